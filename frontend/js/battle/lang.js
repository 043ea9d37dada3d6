// Battle page: the language of a battle's content as a BCP 47 tag for the
// `lang` attribute of its prompt and answers.
//
// The server detects a battle's language as an ISO 639-3 code ("eng",
// "cmn", "arb", ...) or "und" when it cannot tell. BCP 47 wants the
// two-letter code where one exists ("en", "zh", "ar"); a code it does not
// know is passed on when it is a well-formed language tag.

/** ISO 639-3 codes (those the server's detector gives, and a few more) to BCP 47. */
const ISO_639_3 = {
  afr: 'af', aka: 'ak', amh: 'am', ara: 'ar', arb: 'ar', aze: 'az', bel: 'be', ben: 'bn',
  bul: 'bg', cat: 'ca', ces: 'cs', cmn: 'zh', dan: 'da', deu: 'de', ell: 'el', eng: 'en',
  epo: 'eo', est: 'et', fin: 'fi', fra: 'fr', guj: 'gu', heb: 'he', hin: 'hi', hrv: 'hr',
  hun: 'hu', hye: 'hy', ind: 'id', ita: 'it', jav: 'jv', jpn: 'ja', kan: 'kn', kat: 'ka',
  khm: 'km', kor: 'ko', lat: 'la', lav: 'lv', lit: 'lt', mal: 'ml', mar: 'mr', mkd: 'mk',
  mya: 'my', nep: 'ne', nld: 'nl', nob: 'nb', ori: 'or', pan: 'pa', pes: 'fa', fas: 'fa',
  pol: 'pl', por: 'pt', ron: 'ro', rus: 'ru', sin: 'si', slk: 'sk', slv: 'sl', sna: 'sn',
  spa: 'es', srp: 'sr', swe: 'sv', tam: 'ta', tel: 'te', tgl: 'tl', tha: 'th', tuk: 'tk',
  tur: 'tr', ukr: 'uk', urd: 'ur', uzb: 'uz', vie: 'vi', yid: 'yi', yue: 'yue', zho: 'zh',
  zul: 'zu',
};

/**
 * The `lang` value for content in `code`: a BCP 47 tag, or "" (unknown
 * language) for "und", a missing or a malformed code.
 * @param {unknown} code
 * @returns {string}
 */
export function contentLang(code) {
  if (typeof code !== 'string') return '';
  const c = code.trim().toLowerCase();
  if (c === '' || c === 'und') return '';
  if (c in ISO_639_3) return ISO_639_3[c];
  return /^[a-z]{2,3}(-[a-z0-9]{2,8})*$/.test(c) ? c : '';
}
