using DataExchange.Server.Tests.Trades;

namespace DataExchange.Server.Tests.Explorer;

/// <summary>js/i18n.js: one dictionary per language, the same keys in each, and every key the pages use is in both.</summary>
public class ExplorerDictionarySpecs
{
    private static string Root => Path.Combine(ReceiptTools.RepositoryRoot, "src", "DataExchange.Server", "Explorer", "wwwroot");

    [Fact]
    public async Task Chinese_and_english_have_the_same_keys_and_every_key_used_is_defined()
    {
        var script = $$"""
            import { DICTIONARIES, initialLanguage } from '{{new Uri(Path.Combine(Root, "js", "i18n.js")).AbsoluteUri}}';
            import fs from 'node:fs';
            const root = {{System.Text.Json.JsonSerializer.Serialize(Root)}};
            const used = new Set();
            for (const f of ['js/app.js', 'js/chart.js', 'js/format.js']) {
              for (const m of fs.readFileSync(root + '/' + f, 'utf8').matchAll(/\bt\('([a-zA-Z.]+)'/g)) used.add(m[1]);
            }
            for (const m of fs.readFileSync(root + '/index.html', 'utf8').matchAll(/data-i18n="([^"]+)"/g)) used.add(m[1]);
            const problems = [];
            for (const k of used) for (const l of ['zh', 'en']) if (!(k in DICTIONARIES[l])) problems.push(`${l} lacks ${k}`);
            const zh = Object.keys(DICTIONARIES.zh), en = Object.keys(DICTIONARIES.en);
            for (const k of zh) if (!en.includes(k)) problems.push(`only zh has ${k}`);
            for (const k of en) if (!zh.includes(k)) problems.push(`only en has ${k}`);
            const none = { getItem: () => null };
            const cases = [[['zh-CN', 'en'], 'zh'], [['en-GB', 'zh-CN'], 'en'], [['fr-FR', 'zh-TW'], 'zh'], [['fr-FR'], 'en'], [[], 'en']];
            for (const [languages, expected] of cases) {
              const got = initialLanguage(none, languages);
              if (got !== expected) problems.push(`${languages.join(',')} → ${got}, expected ${expected}`);
            }
            if (initialLanguage({ getItem: () => 'en' }, ['zh-CN']) !== 'en') problems.push('a remembered choice does not win');
            console.log(problems.length ? problems.join('\n') : `OK ${used.size} keys used, ${zh.length} defined`);
            process.exit(problems.length ? 1 : 0);
            """;
        var run = await ReceiptTools.RunAsync("node", ["--input-type=module", "-e", script]);
        Assert.True(run.Exit == 0, run.ToString());
        Assert.StartsWith("OK ", run.Stdout, StringComparison.Ordinal);
    }
}
