// Writes the reference GPT-2 token ids of every fixture text, as produced by the npm package
// gpt-3-encoder, for tst_bpetokenizer (issue 4: "token ids equal to a reference implementation on
// every fixture text"). Run through make_gpt2_reference.sh, which fetches the package with npm pack.
//
// usage: node gpt2_reference_tokens.js ENCODER_JS FIXTURE_DIR OUT.json
//
// Texts: every line's "text" and "gold_main_text" string fields of each *.jsonl fixture, and each
// *.txt fixture as a whole and line by line (split on "\n" only). Compressed and WARC fixtures are
// left out: the .jsonl.gz is the same records as its .jsonl, the rest are binary containers.
// Per text the file stores the token count, the first 24 ids and FNV-1a 64 of all ids (each as 4
// bytes little-endian), which keeps the file small while any difference is still caught.
'use strict';
const fs = require('fs');
const path = require('path');

const [encoderJs, fixtureDir, outPath] = process.argv.slice(2);
if (!outPath) {
    console.error('usage: node gpt2_reference_tokens.js ENCODER_JS FIXTURE_DIR OUT.json');
    process.exit(2);
}
const { encode } = require(path.resolve(encoderJs));

function fnv1a64(ids) {
    let h = 0xcbf29ce484222325n;
    const prime = 0x100000001b3n;
    const mask = 0xffffffffffffffffn;
    for (const id of ids) {
        for (let k = 0; k < 4; k++) {
            h ^= BigInt((id >>> (8 * k)) & 0xff);
            h = (h * prime) & mask;
        }
    }
    return h.toString(16).padStart(16, '0');
}

// Lone surrogates cannot be written as UTF-8, so the C++ side never sees such a text.
const hasLoneSurrogate = s => /\p{Surrogate}/u.test(s);

const entries = [];
let skipped = 0;
function add(file, record, field, text) {
    if (typeof text !== 'string')
        return;
    if (hasLoneSurrogate(text)) {
        skipped++;
        return;
    }
    const ids = encode(text);
    entries.push({ file, record, field, tokens: ids.length, head: ids.slice(0, 24), fnv1a64: fnv1a64(ids) });
}

for (const name of fs.readdirSync(fixtureDir).sort()) {
    const full = path.join(fixtureDir, name);
    if (name.endsWith('.jsonl')) {
        const lines = fs.readFileSync(full, 'utf8').split('\n');
        lines.forEach((line, i) => {
            if (!line.trim())
                return;
            const rec = JSON.parse(line);
            add(name, i + 1, 'text', rec.text);
            add(name, i + 1, 'gold_main_text', rec.gold_main_text);
        });
    } else if (name.endsWith('.txt')) {
        const text = fs.readFileSync(full, 'utf8');
        add(name, 0, '', text);
        text.split('\n').forEach((line, i) => add(name, i + 1, '', line));
    }
}
const pkg = JSON.parse(fs.readFileSync(path.join(path.dirname(path.resolve(encoderJs)), 'package.json'), 'utf8'));
const out = { generator: 'tests/core/gpt2_reference_tokens.js', reference: `${pkg.name}@${pkg.version}`,
              node: process.version, skipped_lone_surrogates: skipped, texts: entries };
fs.writeFileSync(outPath, JSON.stringify(out, null, 0).replace(/\},\{/g, '},\n{') + '\n');
console.error(`${entries.length} texts written to ${outPath} (${skipped} skipped: lone surrogates)`);
