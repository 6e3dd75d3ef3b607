#!/usr/bin/env python3
"""Every public declaration (DCKPT_API) of the installed headers comes right
after a doc comment (/** ... */), and every one that returns a status (int)
says which ones: the header is the manual (docs/api.md).
Usage: api_docs.py HEADER..."""
import re
import sys


# How a comment names the statuses: listed, or by reference to another
# function's ("as dckpt_store_save()", "Same statuses"), or the replacement of
# a deprecated function.
STATUSES = (r'@return|\b[Rr]eturns?\b|[Ss]ame statuses|DCKPT_OK|DCKPT_E[A-Z]+|'
            r'\bas dckpt_\w+\(\)|^/ Deprecated')


def declarations(text):
    """(name, returns_int, doc) for each DCKPT_API declaration."""
    out = []
    for m in re.finditer(r'DCKPT_API\s+([^;{]*?)\b(\w+)\s*\(', text):
        before = text[:m.start()].rstrip()
        # a deprecation macro line may sit between the comment and the declaration
        before = re.sub(r'DCKPT_DEPRECATED_FOR\([^)]*\)\s*$', '', before).rstrip()
        doc = ''
        if before.endswith('*/'):
            start = before.rfind('/*')
            doc = before[start:] if before[start:start + 3] == '/**' else ''
        out.append((m.group(2), m.group(1).strip() == 'int', doc))
    return out


def problems(path, text):
    """What is missing, one line per declaration; and how many there are."""
    bad = []
    decls = declarations(text)
    for name, returns_int, doc in decls:
        if not doc:
            bad.append(f'{path}: {name}: no doc comment (/** ... */) right before it')
        elif returns_int and not re.search(STATUSES, ' '.join(doc.replace('*', ' ').split())):
            bad.append(f'{path}: {name}: returns a status but its comment names none')
    return bad, len(decls)


# The checker checks itself first: each of these must be caught.
SELF_TEST = {
    'no comment': 'int x;\nDCKPT_API int dckpt_a(void);\n',
    'plain comment': '/* not a doc comment */\nDCKPT_API int dckpt_b(void);\n',
    'no status': '/** Does b. */\nDCKPT_API int dckpt_c(int v);\n',
}


def main(paths):
    for what, text in SELF_TEST.items():
        if not problems('self-test', text)[0]:
            print(f'FAIL: the checker misses a declaration with {what}', file=sys.stderr)
            return 1
    bad = []
    n = 0
    for path in paths:
        with open(path, encoding='utf-8') as f:
            text = f.read()
        found, count = problems(path, text)
        bad += found
        n += count
    if n == 0:
        print('FAIL: no DCKPT_API declaration found', file=sys.stderr)
        return 1
    for b in bad:
        print(b, file=sys.stderr)
    if bad:
        print(f'FAIL: {len(bad)} of {n} public declarations lack their contract', file=sys.stderr)
        return 1
    print(f'api_docs.py: {n} public declarations documented')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
