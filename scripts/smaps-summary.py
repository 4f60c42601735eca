#!/usr/bin/env python3
"""Where a process's resident memory is, from /proc/PID/smaps, and what changed between two readings.

  scripts/smaps-summary.py read PID > a.json         # one reading
  scripts/smaps-summary.py diff a.json b.json [N]    # the N anonymous clusters whose RSS changed most

File-backed mappings are summed by kind (dll, so, sqlite, the JIT's doublemapper); anonymous mappings are grouped
into clusters of adjacent mappings, so that one cluster is one reservation: the GC's (tens of GB of address space),
a glibc malloc arena (64 MiB aligned), a thread stack (8 MiB + guard). Used by scripts/churn-rounds.sh
(docs/benchmarks.md "Churn: where the RSS after went").
"""
import json
import re
import sys

SPECIAL = ('[heap]', '[stack]', '[vdso]', '[vvar]', '[vsyscall]', '[vvar_vclock]')


def read(pid):
    vmas, cur = [], None
    with open(f'/proc/{pid}/smaps') as f:
        for line in f:
            m = re.match(r'^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \d+\s*(.*)$', line)
            if m:
                cur = dict(start=int(m[1], 16), end=int(m[2], 16), perm=m[3], name=m[4].strip(), rss=0)
                vmas.append(cur)
                continue
            key, _, value = line.partition(':')
            if key == 'Rss':
                cur['rss'] = int(value.split()[0])
    out, cluster = {'file': {}, 'special': {}, 'clusters': []}, None
    for v in vmas:
        name = v['name']
        if name and not name.startswith('['):
            base = name.rsplit('/', 1)[-1]
            kind = 'sqlite' if 'sqlite' in base else 'dll' if base.endswith('.dll') else 'so' if '.so' in base else base
            out['file'][kind] = out['file'].get(kind, 0) + v['rss']
            cluster = None
        elif name in SPECIAL:
            out['special'][name] = out['special'].get(name, 0) + v['rss']
            cluster = None
        elif cluster is not None and cluster['end'] == v['start']:
            cluster['end'] = v['end']
            cluster['rss'] += v['rss']
            cluster['n'] += 1
        else:
            cluster = dict(start=v['start'], end=v['end'], rss=v['rss'], n=1)
            out['clusters'].append(cluster)
    for c in out['clusters']:
        c['sizeKb'] = (c.pop('end') - c['start']) // 1024
        c['start'] = hex(c['start'])
    out['anonTotalKb'] = sum(c['rss'] for c in out['clusters'])
    return out


def diff(a, b, top):
    ca = {c['start']: c for c in a['clusters']}
    cb = {c['start']: c for c in b['clusters']}
    print(f"anonymous clusters: {a['anonTotalKb']} -> {b['anonTotalKb']} KiB ({b['anonTotalKb'] - a['anonTotalKb']:+d})")
    for group in ('special', 'file'):
        for k in sorted(set(a[group]) | set(b[group])):
            x, y = a[group].get(k, 0), b[group].get(k, 0)
            if x != y:
                print(f"  {k}: {x} -> {y} KiB ({y - x:+d})")
    rows = []
    for k in set(ca) | set(cb):
        x, y = ca.get(k, {}).get('rss', 0), cb.get(k, {}).get('rss', 0)
        c = cb.get(k) or ca.get(k)
        if x != y:
            rows.append((y - x, k, c['sizeKb'], c['n'], x, y))
    rows.sort(key=lambda r: -abs(r[0]))
    for d, k, size, n, x, y in rows[:top]:
        print(f"  cluster {k}, {size} KiB of address space in {n} mappings: RSS {x} -> {y} KiB ({d:+d})")


if __name__ == '__main__':
    if len(sys.argv) >= 3 and sys.argv[1] == 'read':
        json.dump(read(sys.argv[2]), sys.stdout)
    elif len(sys.argv) >= 4 and sys.argv[1] == 'diff':
        diff(json.load(open(sys.argv[2])), json.load(open(sys.argv[3])), int(sys.argv[4]) if len(sys.argv) > 4 else 10)
    else:
        sys.exit(__doc__)
