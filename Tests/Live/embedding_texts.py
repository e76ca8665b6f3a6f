"""Texts that exercise every part of BERT's tokenizer: accents, CJK, punctuation, long and
unknown words, special-token text, unusual whitespace and control characters."""

TOKENIZER_TEXTS = [
    "Hello, world!",
    "The quick brown fox jumps over the lazy dog.",
    "Ça a été déjà vu: naïve café, façade, Ångström, São Paulo, Dvořák, Øresund.",
    "ÉCOLE NORMALE SUPÉRIEURE — İstanbul, ΑΘΗΝΑ, Straße, ǅemal, ﬁnance",
    "中文字符和日本語のテキスト、한국어 문장도 있습니다。",
    "Mixed中文English混合text with 漢字 inside words",
    "Punctuation!!! ¿Qué? ¡Sí! «guillemets» „quotes“ 'single' (parens) [brackets] {braces} <angle> #hash @at $5.00 50% a&b ~tilde `back` ^caret |pipe \\slash",
    "Dashes – em — and ellipsis… plus a·b, 3×4=12, x²+y³, ½ ¼, № 5, § 2.1, © ® ™",
    "pneumonoultramicroscopicsilicovolcanoconiosis antidisestablishmentarianism supercalifragilisticexpialidocious",
    "a" * 101 + " short " + "b" * 100,
    "emoji 😀🚀👍🏽 and symbols ☃ ♞ ⌘ ∑ ∫ √ ∞ ≠ ≤",
    "tabs\tnewlines\nreturns\r\nnbsp\u00a0ideographic\u3000space zero\u200bwidth soft\u00adhyphen",
    "control\u0001chars\u0007here\u0000and\ufffdreplacement \u202eRTL override\u202c",
    "Special tokens in text: [CLS] [SEP] [MASK] [PAD] [UNK] and [cls] lowercase",
    "combining e\u0301 a\u0308 n\u0303 vs precomposed é ä ñ; Hangul 한 vs \u1112\u1161\u11ab",
    "Numbers 1,234,567.89 and 3.14159 and ١٢٣ ۴۵۶ and 0x1F and v2.0.1-beta+build",
    "URLs https://example.com/path?query=1&x=y#frag and emails someone@example.org",
    "Ελληνικά κείμενα, русский текст, עברית, العربية, हिन्दी, ภาษาไทย",
    "   leading and trailing whitespace   ",
    "don't won't it's O'Neill rock'n'roll e.g. i.e. U.S.A.",
    "",
]

EMBEDDING_TEXTS = [
    "Hello, world!",
    "The quick brown fox jumps over the lazy dog.",
    "A man is eating food.",
    "A man is eating a piece of bread.",
    "Ça a été déjà vu: naïve café, façade, Ångström.",
    "中文字符和日本語のテキスト、한국어 문장도 있습니다。",
    "Special tokens in text: [CLS] [SEP] [MASK]",
    "x",
    " ".join(["token"] * 300),
    " ".join(f"word{i}" for i in range(200)),
]
