using System.Reflection;
using System.Reflection.Emit;
using DataExchange.Server.Hosting;

namespace DataExchange.Server.Tests.Architecture;

/// <summary>
/// The server's folders (one namespace each) depend on each other in one direction only. Read from the compiled
/// assembly, so it sees what the code uses, not what its using directives say: every type a type's signatures name and
/// every type, method and field its method bodies reference.
/// </summary>
public class FolderDependencySpecs
{
    private const string Root = "DataExchange.Server";

    [Fact]
    public void No_two_folders_of_the_server_depend_on_each_other()
    {
        var edges = FolderEdges(typeof(DataExchangeApp).Assembly);
        var cycles = edges
            .SelectMany(e => e.Value.Keys.Select(to => (From: e.Key, To: to)))
            .Where(e => string.CompareOrdinal(e.From, e.To) < 0 && edges.TryGetValue(e.To, out var back) && back.ContainsKey(e.From))
            .Select(e => $"{e.From} ⇄ {e.To} ({e.From} uses {string.Join(", ", edges[e.From][e.To].Take(3))}; " +
                $"{e.To} uses {string.Join(", ", edges[e.To][e.From].Take(3))})")
            .ToList();
        Assert.True(cycles.Count == 0, "Folder cycles:\n" + string.Join("\n", cycles));
    }

    [Fact]
    public void The_checker_sees_references_made_only_inside_method_bodies()
    {
        // Trades calls Ledger's services and Infrastructure's RpcErrors only from method bodies and constructors; if
        // the checker missed bodies it would pass vacuously.
        var edges = FolderEdges(typeof(DataExchangeApp).Assembly);
        Assert.Contains("Infrastructure", edges["Trades"].Keys);
        Assert.Contains("Trades", edges["Hosting"].Keys);
        Assert.Contains("RpcErrors", edges["Auth"]["Infrastructure"]);
    }

    /// <summary>Folder → folder it uses → the names it uses there.</summary>
    private static Dictionary<string, Dictionary<string, SortedSet<string>>> FolderEdges(Assembly assembly)
    {
        var edges = new Dictionary<string, Dictionary<string, SortedSet<string>>>(StringComparer.Ordinal);
        foreach (var type in assembly.GetTypes())
        {
            if (Folder(type) is not { } from)
            {
                continue;
            }

            foreach (var used in Uses(type))
            {
                if (Folder(used) is { } to && to != from)
                {
                    var byFolder = edges.TryGetValue(from, out var f) ? f : edges[from] = new(StringComparer.Ordinal);
                    (byFolder.TryGetValue(to, out var names) ? names : byFolder[to] = new(StringComparer.Ordinal)).Add(Outermost(used).Name);
                }
            }
        }

        return edges;
    }

    /// <summary>The folder of a server type ("Trades" for DataExchange.Server.Trades.X); null for anything else.</summary>
    private static string? Folder(Type type)
    {
        var ns = Outermost(type).Namespace;
        return ns is not null && ns.StartsWith(Root + ".", StringComparison.Ordinal) ? ns[(Root.Length + 1)..].Split('.')[0] : null;
    }

    private static Type Outermost(Type type)
    {
        while (type.DeclaringType is { } outer)
        {
            type = outer;
        }

        return type;
    }

    private const BindingFlags Everything = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    private static IEnumerable<Type> Uses(Type type)
    {
        var found = new List<Type>();
        void Add(Type? t)
        {
            if (t is null)
            {
                return;
            }

            if (t.HasElementType)
            {
                Add(t.GetElementType());
                return;
            }

            found.Add(t);
            if (t.IsGenericType && !t.IsGenericTypeDefinition)
            {
                foreach (var argument in t.GetGenericArguments())
                {
                    Add(argument);
                }
            }
        }

        Add(type.BaseType);
        foreach (var i in type.GetInterfaces())
        {
            Add(i);
        }

        foreach (var field in type.GetFields(Everything))
        {
            Add(field.FieldType);
        }

        foreach (var property in type.GetProperties(Everything))
        {
            Add(property.PropertyType);
        }

        foreach (var method in type.GetMethods(Everything).Cast<MethodBase>().Concat(type.GetConstructors(Everything)))
        {
            if (method is MethodInfo m)
            {
                Add(m.ReturnType);
            }

            foreach (var parameter in method.GetParameters())
            {
                Add(parameter.ParameterType);
            }

            foreach (var member in BodyReferences(method))
            {
                Add(member as Type ?? member.DeclaringType);
                switch (member)
                {
                    case FieldInfo f:
                        Add(f.FieldType);
                        break;
                    case MethodInfo called:
                        Add(called.ReturnType);
                        break;
                }
            }
        }

        return found;
    }

    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value);

    /// <summary>The types, methods and fields a method body's instructions name (decoded from its IL).</summary>
    private static IEnumerable<MemberInfo> BodyReferences(MethodBase method)
    {
        var il = method.GetMethodBody()?.GetILAsByteArray();
        if (il is null)
        {
            yield break;
        }

        var typeArguments = method.DeclaringType is { IsGenericType: true } d ? d.GetGenericArguments() : null;
        var methodArguments = method.IsGenericMethod ? method.GetGenericArguments() : null;
        var position = 0;
        while (position < il.Length)
        {
            short value = il[position++];
            if (value == 0xFE)
            {
                value = unchecked((short)(0xFE00 | il[position++]));
            }

            var opCode = OpCodesByValue[value];
            var operandSize = opCode.OperandType switch
            {
                OperandType.InlineNone => 0,
                OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
                OperandType.InlineVar => 2,
                OperandType.InlineI8 or OperandType.InlineR => 8,
                OperandType.InlineSwitch => 4 + 4 * BitConverter.ToInt32(il, position),
                _ => 4,
            };
            if (opCode.OperandType is OperandType.InlineField or OperandType.InlineMethod or OperandType.InlineType or OperandType.InlineTok)
            {
                MemberInfo? member = null;
                try
                {
                    member = method.Module.ResolveMember(BitConverter.ToInt32(il, position), typeArguments, methodArguments);
                }
                catch (ArgumentException)
                {
                    // A token in a generic context this reflection view cannot close; its declaring type is still
                    // named by the signatures above in the cases that matter here.
                }

                if (member is not null)
                {
                    yield return member;
                }
            }

            position += operandSize;
        }
    }
}
