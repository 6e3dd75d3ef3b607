#!/usr/bin/python3
"""Where the hand-out gaps of bench_run_sched --mode handout go, from perf
probes (root; Linux uprobes). Per gap on a rank > 0 (b_destroy of one pair ->
b_create of its next pair; gaps over 100 ms are across repetitions, left out):

  store_end  b_destroy -> the request (run_service_next called)
  rank0      the request -> rank 0's service thread answered (the first
             serve_waiting that handled a message returns)
  reply      rank 0 answered -> run_service_next returned on the asking rank
  store_beg  run_service_next returned -> b_create

usage (BUILD = a Release build; docs/performance.md, "Hand-out without shared
memory"):
  perf probe -x BUILD/src/libdckpt_run.so.0 --add run_service_next \
    --add 'run_service_next_ret=run_service_next%return' --add 'sw_ret=serve_waiting%return $retval'
  perf probe -x BUILD/perf/bench_run_sched --add b_create --add b_destroy
  perf record -o probe.data -e 'probe_libdckpt_run:*' -e 'probe_bench_run_sched:*' -a -- \
    mpirun -np 4 --mca btl tcp,self --mca osc pt2pt BUILD/perf/bench_run_sched --mode handout \
    --trials 40 --rank0-busy-us 200000 --scheduler auto --thread multiple --reps 3
  perf script -i probe.data > probe.txt && perf/handout_gaps.py probe.txt
  perf probe -d 'probe_libdckpt_run:*' -d 'probe_bench_run_sched:*'
"""
import sys,re,collections,bisect
ev=collections.defaultdict(list); sw=[]
for l in open(sys.argv[1]):
    m=re.search(r"\s(\d+)\s+\[(\d+)\]\s+([\d.]+):\s+probe_\w+:(\S+):.*?(?:arg1=(\S+))?$",l)
    if not m: continue
    tid,t,name,a=int(m.group(1)),float(m.group(3)),m.group(4),m.group(5)
    if name.startswith("sw_ret"):
        if a and int(a,16)>0: sw.append(t)
        continue
    ev[tid].append((t,name))
sw.sort()
rows=[]
for tid,l in ev.items():
    l.sort()
    names=[n for _,n in l]
    if "run_service_next" not in names: continue
    # rank 0's takes return at once: skip tids whose requests are all < 20 us
    for i,(t,n) in enumerate(l):
        if n!="b_destroy": continue
        # next request, return, create after it
        nxt={}
        for t2,n2 in l[i+1:]:
            if n2 not in nxt: nxt[n2]=t2
            if n2=="b_create": break
        if not all(k in nxt for k in ("run_service_next","run_service_next_ret__return","b_create")): continue
        tr,tret,tc=nxt["run_service_next"],nxt["run_service_next_ret__return"],nxt["b_create"]
        if tret-tr<2e-5: continue  # rank 0 itself
        j=bisect.bisect_left(sw,tr); th=sw[j] if j<len(sw) and sw[j]<=tret else tret
        rows.append(((tc-t)*1e3,(tr-t)*1e3,(th-tr)*1e3,(tret-th)*1e3,(tc-tret)*1e3))
rows=[r for r in rows if r[0]<100]
rows.sort(key=lambda r:-r[0])
n=len(rows)
def med(k): return sorted(r[k] for r in rows)[n//2]
def mx(k): return max(r[k] for r in rows)
print("gaps %d; median gap %.2f ms; max %.2f ms"%(n,med(0),mx(0)))
print("part          median    max (ms)")
for k,name in enumerate(["gap","store_end","rank0","reply","store_beg"]):
    print("%-12s %7.2f %7.2f"%(name,med(k),mx(k)))
print("the 8 longest gaps: gap store_end rank0 reply store_beg")
for r in rows[:8]: print(" ".join("%7.2f"%x for x in r))
