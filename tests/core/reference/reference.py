#!/usr/bin/python3
"""Reference values for tests/core/tst_heuristics.cpp.

Independent Python implementations of the heuristic columns: the formulas are datatrove's and Dolma's own
Python code paths (quoted from gopher_quality_filter.py, gopher_repetition_filter.py, fineweb_quality_filter.py,
c4_filters.py; dolma/taggers/gopher.py, c4.py), with spaCy replaced by a Python port of the SpacyLike splitter
specified in core/scorers/textsplit.h. Run with Debian's python3 (no third-party packages).
"""
import json, re, statistics, string, sys, unicodedata
from collections import Counter

# ------------------------------------------------------------------ SpacyLike splitter (textsplit.h)
PREFIX_ASCII = set("!\"#$%&'()*,:;<=>?[]_`{}")
SUFFIX_ASCII = set("!\"#&'()*,:;<>?[]_`{}")
ABBREV = {"Adm", "Apr", "Aug", "Bros", "Co", "Corp", "Dec", "Dr", "Feb", "Gen", "Gov", "Inc", "Jan", "Jr", "Jul",
          "Jun", "Ltd", "Mar", "Md", "Messrs", "Mo", "Mont", "Mr", "Mrs", "Ms", "Nov", "Oct", "Prof", "Rep", "Rev",
          "Sen", "Sep", "Sept", "St", "co", "vs", "Ph", "Mt"}
HYPHENS = {"-", "\u2013", "\u2014", "~"}
APOS = {"'", "\u2019"}

def cat(c): return unicodedata.category(c)
def is_alpha(c): return c.isalpha()
def is_adigit(c): return "0" <= c <= "9"
def is_alower(c): return "a" <= c <= "z"
def is_aupper(c): return "A" <= c <= "Z"
def nonascii_affix(c): return ord(c) >= 128 and cat(c)[0] in "PS"

def split_final_dot(cs, i, j):
    if j - 1 <= i: return False
    n = j - 1 - i
    core = cs[i:j - 1]
    if "." in core: return False
    prev = cs[j - 2]
    if n == 1 and is_alpha(cs[i]): return False
    if "".join(core) in ABBREV: return False
    if is_aupper(prev): return n >= 2 and is_aupper(cs[j - 3])
    return True

def infixes(cs, i, j, out):
    if i >= j: return
    core = "".join(cs[i:j])
    if "@" in core or "://" in core or (j - i > 4 and core[:3].lower() == "www" and core[3] == "."):
        out.append(core); return
    alpha = lambda k: i <= k < j and is_alpha(cs[k])
    digit = lambda k: i <= k < j and is_adigit(cs[k])
    seg = k = i
    while k < j:
        c = cs[k]; m = k
        if c == "." and k + 1 < j and cs[k + 1] == ".":
            m = k + 2
            while m < j and cs[m] == ".": m += 1
        elif c == "\u2026":
            m = k + 1
        elif k > i:
            nxt = cs[k + 1] if k + 1 < j else ""
            if c in "+-*^" and digit(k - 1) and ((nxt != "" and is_adigit(nxt)) or nxt == "-"):
                m = k + 1
            elif c in HYPHENS and (alpha(k - 1) or digit(k - 1)):
                r = k
                while r < j and cs[r] in HYPHENS: r += 1
                if alpha(r): m = r
            elif c == "," and alpha(k - 1) and alpha(k + 1):
                m = k + 1
            elif c in ":<>=/" and (alpha(k - 1) or digit(k - 1)) and alpha(k + 1):
                m = k + 1
            elif c == "." and is_alower(cs[k - 1]) and nxt and is_aupper(nxt):
                m = k + 1
        if m == k and ord(c) >= 128 and cat(c)[0] == "S":
            m = k + 1
        if m > k:
            if k > seg: out.append("".join(cs[seg:k]))
            out.append("".join(cs[k:m]))
            seg = k = m
        else:
            k += 1
    if j > seg: out.append("".join(cs[seg:j]))

def split_chunk(chunk, out):
    cs = list(chunk)
    i, j = 0, len(cs)
    while i < j:
        c = cs[i]
        if c == "." and i + 1 < j and cs[i + 1] == ".":
            r = i + 2
            while r < j and cs[r] == ".": r += 1
            out.append("".join(cs[i:r])); i = r
        elif (ord(c) < 128 and c in PREFIX_ASCII) or (c == "+" and not (i + 1 < j and is_adigit(cs[i + 1]))) or nonascii_affix(c):
            out.append(c); i += 1
        else:
            break
    suffixes = []
    while j > i:
        c = cs[j - 1]
        prev = cs[j - 2] if j - 1 > i else ""
        if c == ".":
            if prev == ".":
                r = j - 2
                while r > i and cs[r - 1] == ".": r -= 1
                suffixes.append("".join(cs[r:j])); j = r; continue
            if not split_final_dot(cs, i, j): break
            suffixes.append("."); j -= 1
        elif c in "sS" and j - 2 > i and prev in APOS:
            suffixes.append("".join(cs[j - 2:j])); j -= 2
        elif (ord(c) < 128 and c in SUFFIX_ASCII) or (c in "$%+" and prev and is_adigit(prev)) or nonascii_affix(c):
            suffixes.append(c); j -= 1
        else:
            break
    if j - i >= 3:
        low = lambda k: cs[k].lower() if ord(cs[k]) < 128 else cs[k]
        clitic = 0
        l1, l2 = low(j - 1), low(j - 2)
        if l1 == "t" and cs[j - 2] in APOS and low(j - 3) == "n" and j - i >= 4: clitic = 3
        elif l1 in "md" and cs[j - 2] in APOS: clitic = 2
        elif ((l1 == "e" and l2 in "rv") or (l1 == "l" and l2 == "l")) and cs[j - 3] in APOS and j - i >= 4: clitic = 3
        if clitic and all(is_alpha(cs[k]) for k in range(i, j - clitic)) and j - clitic > i:
            suffixes.append("".join(cs[j - clitic:j])); j -= clitic
    infixes(cs, i, j, out)
    out.extend(reversed(suffixes))

def spacylike(text):
    out = []
    for chunk in text.split():
        split_chunk(chunk, out)
    return out

# ------------------------------------------------------------------ datatrove
PUNCTUATION = "!/—”:％１〈&(、━\\【#%「」，】；+^]~“《„';’{|∶´[=-`*．（–？！：$～«〉,><》)?）。…@_.\"}►»" + "".join(
    map(chr, (x for a, b in ((0, 9), (11, 13), (13, 32), (127, 160)) for x in range(a, b))))
PUNCTUATION_SET = set(PUNCTUATION)
STOP_WORDS = {"the", "be", "to", "of", "and", "that", "have", "with"}
NAN = float("nan")

def div(a, b): return a / b if b else NAN

def gopher_quality(text):
    words = spacylike(text)
    n_words = len(words)
    non_symbol_words = [w for w in words if any(ch not in PUNCTUATION_SET for ch in w)]
    lines = text.splitlines()
    return {
        "gopher_word_count": len(non_symbol_words),
        "gopher_mean_word_length": div(sum(len(w) for w in non_symbol_words), len(non_symbol_words)),
        "gopher_hash_word_ratio": div(text.count("#"), n_words),
        "gopher_ellipsis_word_ratio": div(text.count("...") + text.count("…"), n_words),
        "gopher_bullet_line_frac": div(sum(s.lstrip().startswith("•") or s.lstrip().startswith("-") for s in lines), len(lines)),
        "gopher_ellipsis_line_frac": div(sum(s.rstrip().endswith("...") or s.rstrip().endswith("…") for s in lines), len(lines)),
        "gopher_alpha_word_frac": div(sum([any((c.isalpha() for c in w)) for w in words]), n_words),
        "gopher_stop_word_count": sum(w in STOP_WORDS for w in words),
    }

def get_n_grams(words, n): return [" ".join(words[i:i + n]) for i in range(len(words) - n + 1)]

def find_duplicates(x):
    unique_x = set(); duplicate_chars = 0; duplicate_elements = 0
    for element in x:
        if element in unique_x:
            duplicate_chars += len(element); duplicate_elements += 1
        else:
            unique_x.add(element)
    return duplicate_elements, duplicate_chars

def find_top_duplicate(x):
    counter = Counter()
    for element in x: counter[element] += 1
    top_n_gram = counter.most_common(1)[0]
    return len(top_n_gram[0]) * top_n_gram[1]

def find_all_duplicate(words, n):
    n_words = len(words); unique = set(); repeated_chars, idx = 0, 0
    while idx < n_words - n + 1:
        n_gram = "".join(words[idx: idx + n])
        if n_gram in unique:
            repeated_chars += len(n_gram); idx += n
        else:
            unique.add(n_gram); idx += 1
    return repeated_chars

def gopher_repetition(text):
    r = {}
    paragraphs = re.split(r"\n{2,}", text.strip())
    d, c = find_duplicates(paragraphs)
    r["gopher_dup_para_frac"] = d / len(paragraphs)
    r["gopher_dup_para_char_frac"] = div(c, len(text))
    lines = re.split("\n+", text)
    d, c = find_duplicates(lines)
    r["gopher_dup_line_frac"] = d / len(lines)
    r["gopher_dup_line_char_frac"] = div(c, len(text))
    words = spacylike(text)
    for n in (2, 3, 4):
        g = get_n_grams(words, n)
        r[f"gopher_top_{n}gram_char_frac"] = div(find_top_duplicate(g), len(text)) if g else NAN
    for n in range(5, 11):
        r[f"gopher_dup_{n}gram_char_frac"] = div(find_all_duplicate(words, n), len(text))
    return r

def fineweb(text):
    stop_chars = (".", "'", '"', "!", "?")
    lines = text.split("\n")
    non_empty_lines = [line for line in lines if line.strip() != ""]
    words = spacylike(text)
    return {
        "fineweb_line_punct_frac": sum(1 for line in lines if line.endswith(stop_chars)) / len(lines),
        "fineweb_short_line_frac": sum(1 for line in lines if len(line) <= 30) / len(lines),
        "fineweb_dup_line_char_frac": div(find_duplicates(non_empty_lines)[1], len(text.replace("\n", ""))),
        "fineweb_newline_word_ratio": div(text.count("\n"), len(words)),
    }

CITATION_REGEX = re.compile(r"\[\d*]|\[edit]|\[citation needed]")
END_PUNCTUATION = (".", "?", "!", '"', "'")
POLICY_SUBSTRINGS = ["terms of use", "privacy policy", "cookie policy", "uses cookies", "use of cookies", "use cookies"]
SENT_PUNCT = set("!.?\u0589\u061f\u06d4\u0700\u0701\u0702\u0964\u0965\u104a\u104b\u1362\u1367\u1368\u166e\u1803\u1809"
                 "\u203c\u203d\u2047\u2048\u2049\u2e2e\u2e3c\ufe52\ufe56\ufe57\uff01\uff0e\uff1f\uff61\u3002")

def is_punct(t): return all(unicodedata.category(c).startswith("P") for c in t)

def sentencizer_count(tokens):
    # spaCy Sentencizer.predict
    if not tokens: return 0
    starts = 1; seen_period = False
    for t in tokens:
        in_pc = t in SENT_PUNCT
        if seen_period and not is_punct(t) and not in_pc:
            starts += 1; seen_period = False
        elif in_pc:
            seen_period = True
    return starts

def c4(text):
    # C4QualityFilter.filter with the document rules recorded instead of returning
    st = Counter(); lorem = curly = 0; num_sentences = 0
    lines = text.splitlines()
    for line in lines:
        line = line.strip(); words = line.split()
        if any(len(word) > 1000 for word in words): st["too_long"] += 1; continue
        line = CITATION_REGEX.sub("", line)
        if not line.endswith(END_PUNCTUATION) or line.endswith("..."): st["punct"] += 1; continue
        if len(words) < 3: st["few"] += 1; continue
        line_l = line.lower()
        if "lorem ipsum" in line_l: lorem = 1
        if "javascript" in line_l: st["js"] += 1; continue
        if "{" in line: curly = 1
        if any(p in line_l for p in POLICY_SUBSTRINGS): st["policy"] += 1; continue
        num_sentences += sentencizer_count(spacylike(line)); st["kept"] += 1
    n = len(lines)
    return {
        "c4_line_count": n,
        "c4_dropped_line_frac": div(n - st["kept"], n),
        "c4_too_long_word_line_frac": div(st["too_long"], n),
        "c4_no_terminal_punct_line_frac": div(st["punct"], n),
        "c4_too_few_words_line_frac": div(st["few"], n),
        "c4_javascript_line_frac": div(st["js"], n),
        "c4_policy_line_frac": div(st["policy"], n),
        "c4_lorem_ipsum": lorem,
        "c4_curly_bracket": curly,
        "c4_sentence_count": num_sentences,
    }

# ------------------------------------------------------------------ Dolma
def dolma_c4(text):
    lines = text.split("\n")
    no_punct = few = 0; js = lorem = curly = False
    for original_line in lines:
        line = original_line.lower().strip()
        if not line.endswith((".", "?", "!", '"')): no_punct += 1
        words = line.split()
        if len(words) < 3: few += 1
        if any(word == "javascript" for word in words): js = True
        if "lorem ipsum" in line: lorem = True
        if "{" in line: curly = True
    return {
        "c4_dolma_no_punct_line_frac": no_punct / len(lines),
        "c4_dolma_few_words_line_frac": few / len(lines),
        "c4_dolma_javascript": int(js), "c4_dolma_lorem_ipsum": int(lorem), "c4_dolma_curly_brace": int(curly),
    }

def dolma_gopher(text):
    # dolma/taggers/gopher.py get_attributes
    r = {k: 0.0 for k in ["gopher_dolma_word_count", "gopher_dolma_median_word_length", "gopher_dolma_symbol_word_ratio",
                          "gopher_dolma_alpha_word_frac", "gopher_dolma_required_word_count", "gopher_dolma_bullet_line_frac",
                          "gopher_dolma_ellipsis_line_frac", "gopher_dolma_dup_line_frac", "gopher_dolma_dup_line_char_frac"]}
    for n in (2, 3, 4): r[f"gopher_dolma_top_{n}gram_char_frac"] = NAN
    for n in range(5, 11): r[f"gopher_dolma_dup_{n}gram_char_frac"] = NAN
    if len(text) == 0: return r
    words = text.split(); word_count = len(words); character_count = sum(len(w) for w in words)
    r["gopher_dolma_word_count"] = word_count
    r["gopher_dolma_median_word_length"] = float(statistics.median([len(w) for w in words])) if words else 0.0
    r["gopher_dolma_symbol_word_ratio"] = sum(1 for w in words if any(s in w for s in {"#", "\u2026"})) / max(word_count, 1)
    r["gopher_dolma_alpha_word_frac"] = sum(1 for w in words if any(c.isalpha() for c in w)) / max(word_count, 1)
    r["gopher_dolma_required_word_count"] = sum(1 for w in words if w in STOP_WORDS)
    all_counts = [(n, Counter(list(zip(*[words[i:] for i in range(n)])))) for n in range(2, 11)]
    for n, ngram_counts in all_counts:
        if not ngram_counts: continue
        if n in (2, 3, 4):
            most_common_ngram, count = ngram_counts.most_common(1)[0]
            r[f"gopher_dolma_top_{n}gram_char_frac"] = count * sum(len(w) for w in most_common_ngram) / max(character_count, 1)
        else:
            ng_char_count = sum(count * sum(len(w) for w in ng) for ng, count in ngram_counts.items())
            r[f"gopher_dolma_dup_{n}gram_char_frac"] = sum(count * sum(len(w) for w in ng) for ng, count in ngram_counts.items() if count > 1) / max(ng_char_count, 1)
    lines = text.split("\n"); line_count = len(lines); b = e = 0
    for line in lines:
        if any(line.startswith(s) for s in {"*", "-"}): b += 1
        if line.endswith("\u2026"): e += 1
    r["gopher_dolma_bullet_line_frac"] = b / max(line_count, 1)
    r["gopher_dolma_ellipsis_line_frac"] = e / max(line_count, 1)
    line_counts = Counter(lines)
    r["gopher_dolma_dup_line_frac"] = sum(count for line, count in line_counts.items() if count > 1) / max(line_count, 1)
    r["gopher_dolma_dup_line_char_frac"] = sum(len(line) * count for line, count in line_counts.items() if count > 1) / max(character_count, 1)
    return r

# ------------------------------------------------------------------ text hygiene (Shardscope's definitions, hygiene.h)
SCRIPTS = ["Latin", "Greek", "Cyrillic", "Armenian", "Hebrew", "Arabic", "Syriac", "Thaana", "NKo", "Devanagari",
    "Bengali", "Gurmukhi", "Gujarati", "Oriya", "Tamil", "Telugu", "Kannada", "Malayalam", "Sinhala", "Thai",
    "Lao", "Tibetan", "Myanmar", "Georgian", "Hangul", "Ethiopic", "Cherokee", "CanadianSyllabics", "Ogham",
    "Runic", "Khmer", "Mongolian", "Han/Kana", "Yi", "Vai", "Tifinagh", "Javanese", "Balinese", "Other"]

def load_script_ranges(path):
    src = open(path).read()
    body = src[src.index("kScriptRanges[] = {"):src.index("};", src.index("kScriptRanges[] = {"))]
    return [(int(a, 16), int(b, 16), s) for a, b, s in re.findall(r"\{0x([0-9A-Fa-f]+), 0x([0-9A-Fa-f]+), (\w+)\}", body)]

def hygiene(text, ranges):
    n = len(text)
    names = {"HanKana": "Han/Kana", "CanadianSyllabics": "CanadianSyllabics"}
    def script(c):
        o = ord(c)
        if o < 128: return "Latin"
        for a, b, s in ranges:
            if a <= o <= b: return names.get(s, s)
        return "Other"
    letters = Counter(script(c) for c in text if c.isalpha())
    total = sum(letters.values())
    best = max(letters.values()) if letters else 0
    dom = min((SCRIPTS.index(s) for s, k in letters.items() if k == best), default=None)
    return {
        "text_replacement_char_frac": div(text.count("\ufffd"), n),
        "text_control_char_frac": div(sum(1 for c in text if unicodedata.category(c) == "Cc" and c not in "\t\n\r"), n),
        "text_digit_frac": div(sum(1 for c in text if unicodedata.category(c) == "Nd"), n),
        "text_punct_frac": div(sum(1 for c in text if unicodedata.category(c).startswith("P") or (ord(c) < 128 and c in string.punctuation)), n),
        "text_non_ascii_frac": div(sum(1 for c in text if ord(c) >= 128), n),
        "text_script_count": len(letters),
        "text_non_dominant_script_frac": div(total - best, total),
        "text_dominant_script": NAN if dom is None else dom,
    }

def all_columns(text, ranges):
    r = {}
    for f in (gopher_quality, gopher_repetition, dolma_gopher, c4, dolma_c4, fineweb):
        r.update(f(text))
    r.update(hygiene(text, ranges))
    return r
