import sys, json, math
sys.path.insert(0, __import__('os').path.dirname(__import__('os').path.abspath(__file__)))
from reference import *
import os
HERE = os.path.dirname(os.path.abspath(__file__))
ranges = load_script_ranges(os.path.join(HERE, '../../../core/scorers/hygiene.cpp'))
D = os.path.join(HERE, '../../../../shared/data/fixtures/')
# --generated DIR: the kGeneratedExpectations table, on the fixtures tests/data/make-test-fixtures.sh made in DIR
GENERATED = len(sys.argv) == 3 and sys.argv[1] == '--generated'
if GENERATED:
    D = sys.argv[2] + '/'
chosen = [('spam_ham.jsonl',5),('spam_ham.jsonl',26),('udhr_sentences.jsonl',12),('udhr_sentences.jsonl',240),
 ('udhr_sentences.jsonl',310),('udhr_sentences.jsonl',405),('informal.jsonl',10),('blns.txt',-1)] if GENERATED else [('dolma_cc_en_head-0091.jsonl',0),('datajuicer_redpajama-c4-refined.jsonl',0),
 ('web_pages_wetlike_50.jsonl',2),('web_pages_wetlike_50.jsonl',24),('web_pages_wetlike_50.jsonl',30),('web_pages_wetlike_50.jsonl',40),
 ('web_pages_with_gold_main_text_20.jsonl',15),
 ('spamassassin_40spam_40ham.jsonl',5),('spamassassin_40spam_40ham.jsonl',26),
 ('lang_sentences_75x10.jsonl',240),('lang_sentences_75x10.jsonl',310),
 ('blns.txt',-1),('',-1)]
def load(f,i):
    if not f: return ''
    if i < 0: return open(D+f,encoding='utf-8').read()
    return json.loads(open(D+f,encoding='utf-8').read().split('\n')[i])['text']
rows=[]
for f,i in chosen:
    t=load(f,i)
    for k,v in all_columns(t,ranges).items():
        v=float(v)
        rows.append('    {"%s", %d, "%s", %s},' % (f, i, k, 'kNaN' if math.isnan(v) else repr(v)))
print('\n'.join(rows))
if GENERATED:
    sys.exit(0)

cases = [
 ("javascript", "Please enable JavaScript to view the comments powered by Disqus.\nThis line is long enough and ends well."),
 ("longword", "x" * 1001 + " is a long word.\nThis line is long enough and ends well."),
 ("citation", "It ends with a citation.[12]\nEnds with an edit link [edit]\nCookies: this site uses cookies to work.\nCode like { x } is here."),
 ("duplines", "same line\nsame line\nother line"),
 ("ellipsis", "Wait.... what...... ok\u2026\n- item one...\n\u2022 item two"),
 ("clitics", "Don't stop: it's U.S.-made, e.g. 3.14 or 1,000 (see http://example.com/a-b). I'm sure they'll say \"no\"!"),
]
print("CASES")
for name, t in cases:
    for k, v in all_columns(t, ranges).items():
        v = float(v)
        print('    {"%s", "%s", %s},' % (name, k, 'kNaN' if math.isnan(v) else repr(v)))
