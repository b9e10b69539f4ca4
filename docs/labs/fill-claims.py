#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""fill-claims.py OUTPUT [PAGE] - paste a run of claims.sh into claims.md.

OUTPUT is what docs/labs/claims.sh printed (selftests/t_claims.sh keeps
its run in build/claims.out); PAGE defaults to docs/claims.md.  The page
marks each claim's output with <!-- claims.sh N --> ... <!-- end -->;
everything between is replaced by the run's TCP and EDUTCP outputs.
"""
import re
import sys


def main():
    out = open(sys.argv[1]).read()
    page = sys.argv[2] if len(sys.argv) > 2 else "docs/claims.md"
    doc = open(page).read()
    blocks = {}
    cur = None
    for line in out.splitlines():
        m = re.match(r"^## claim (\d+) (tcp|edu)$", line)
        if m:
            cur = (m.group(1), m.group(2))
            blocks[cur] = []
        elif cur:
            blocks[cur].append(line.rstrip())

    def fill(m):
        n = m.group(1)
        parts = []
        for fam, title in (("tcp", "On TCP:"), ("edu", "On EDUTCP:")):
            lines = blocks.get((n, fam))
            if lines is None:
                sys.exit("no output for claim %s on %s" % (n, fam))
            while lines and not lines[-1]:
                lines.pop()
            parts.append("%s\n\n```console\n%s\n```" % (title, "\n".join(lines)))
        return "<!-- claims.sh %s -->\n%s\n<!-- end -->" % (n, "\n\n".join(parts))

    doc = re.sub(r"<!-- claims.sh (\d+) -->.*?<!-- end -->", fill, doc,
                 flags=re.S)
    open(page, "w").write(doc)


if __name__ == "__main__":
    main()
