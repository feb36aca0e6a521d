using System.Reflection;
using Google.Protobuf.Reflection;

namespace DataExchange.Server.Infrastructure;

/// <summary>
/// An API enum value in the proto's own words ("EXPORT_MECHANISM_STANDARD_CONTRACT"), as the JSON mapping writes it:
/// what error metadata carries, never the C# member name a client in another language cannot know.
/// </summary>
public static class ProtoEnumNames
{
    public static string Of<TEnum>(TEnum value) where TEnum : struct, Enum =>
        typeof(TEnum).GetField(value.ToString())?.GetCustomAttribute<OriginalNameAttribute>()?.Name
        ?? Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture).ToString(System.Globalization.CultureInfo.InvariantCulture);
}
