/* What rank 0 read, for every rank: the plan, metadata.json's text and the
 * problem record. Only rank 0 reads the run's shared files; the other ranks
 * receive them by broadcast and open their store without touching a file,
 * so that their start-up costs the file system nothing, whatever the size of
 * the campaign (docs/performance.md, "Start-up"). */
#include <stdlib.h>
#include <string.h>

#include "runtime/run_ctx.h"

#define CHUNK ((size_t)1 << 30)

/* Broadcasts `len` bytes from rank 0 in chunks below INT_MAX. A rank whose
 * buffer could not be allocated (NULL) still takes part, into a scratch. */
static void bcast_bytes(run_ctx *c, void *buf, size_t len) {
  static char scratch[1 << 16];
  for (size_t off = 0; off < len;) {
    size_t n = len - off < CHUNK ? len - off : CHUNK;
    if (!buf && n > sizeof scratch) n = sizeof scratch;
    MPI_Bcast(buf ? (char *)buf + off : scratch, (int)n, MPI_BYTE, 0, c->comm);
    off += n;
  }
}

/* Sends rank 0's plan to every rank (in int64 words; costs as doubles). */
int run_share_plan(run_ctx *c) {
  run_plan *p = &c->plan;
  int64_t head[5] = {p->n_trials, p->n_pending, p->work_total, p->work_done, p->resumed};
  MPI_Bcast(head, 5, MPI_INT64_T, 0, c->comm);
  bool ok = true;
  if (c->rank != 0) {
    p->n_trials = head[0];
    p->n_pending = head[1];
    p->work_total = head[2];
    p->work_done = head[3];
    p->resumed = head[4] != 0;
    p->n_algs = c->n_algs;
    p->iterations = calloc(c->n_algs + 1, sizeof *p->iterations);
    p->alg_done = calloc(c->n_algs + 1, sizeof *p->alg_done);
    p->pending = calloc((size_t)p->n_pending + 1, sizeof *p->pending);
    ok = p->iterations && p->alg_done && p->pending;
  }
  bcast_bytes(c, ok ? p->iterations : NULL, c->n_algs * sizeof *p->iterations);
  bcast_bytes(c, ok ? p->alg_done : NULL, c->n_algs * sizeof *p->alg_done);
  /* run_pair is four 8-byte fields */
  bcast_bytes(c, ok ? p->pending : NULL, (size_t)p->n_pending * sizeof *p->pending);
  return ok ? DCKPT_OK : DCKPT_ENOMEM;
}

/* Rank 0: metadata.json's text and the problem as bytes (level 0: no
 * compression, the network is faster than zstd). */
static int read_inputs(run_ctx *c, void **prob, size_t *prob_len) {
  int rc = dckpt_store_metadata_text(c->store, &c->meta_text, &c->meta_len);
  if (rc == DCKPT_OK && !c->problem) rc = dckpt_store_load_problem(c->store, &c->problem);
  if (rc != DCKPT_OK) return run_fail(c, rc, "rank 0: %s", dckpt_store_errmsg(c->store));
  rc = dckpt_record_encode(c->problem, 0, prob, prob_len);
  if (rc != DCKPT_OK)
    return run_fail(c, rc, "rank 0: cannot encode the problem for the other ranks: %s",
                    dckpt_record_errmsg(c->problem));
  return DCKPT_OK;
}

/* Ranks > 0: the store, opened without a file operation, and what it needs. */
static void take_inputs(run_ctx *c, const void *prob, size_t prob_len) {
  if (!c->meta_text || (prob_len && !prob)) {
    run_fail(c, DCKPT_ENOMEM, "rank %d: out of memory for the run's inputs", c->rank);
    return;
  }
  if (run_open_store(c) != DCKPT_OK) return;
  if (dckpt_store_adopt_metadata(c->store, c->meta_text, c->meta_len) != DCKPT_OK) {
    run_fail(c, DCKPT_EIO, "rank %d: %s", c->rank, dckpt_store_errmsg(c->store));
    return;
  }
  int rc = dckpt_record_parse(prob, prob_len, &c->problem);
  if (rc != DCKPT_OK) {
    run_fail(c, rc, "rank %d: the problem received from rank 0: %s", c->rank,
             c->problem ? dckpt_record_errmsg(c->problem) : "out of memory");
    dckpt_record_free(c->problem);
    c->problem = NULL;
  }
}

void run_share_inputs(run_ctx *c) {
  void *prob = NULL;
  size_t prob_len = 0;
  int64_t head[3] = {c->status, 0, 0};
  if (c->rank == 0 && c->status == DCKPT_OK) {
    head[0] = read_inputs(c, &prob, &prob_len);
    head[1] = (int64_t)c->meta_len;
    head[2] = (int64_t)prob_len;
  }
  dckpt_run_barrier(c->comm); /* the others wait while rank 0 reads */
  MPI_Bcast(head, 3, MPI_INT64_T, 0, c->comm);
  if (head[0] == DCKPT_OK) {
    if (c->rank != 0) {
      c->meta_len = (size_t)head[1];
      prob_len = (size_t)head[2];
      c->meta_text = malloc(c->meta_len + 1);
      prob = malloc(prob_len + 1);
    }
    bcast_bytes(c, c->meta_text, (size_t)head[1]);
    bcast_bytes(c, prob, (size_t)head[2]);
    if (c->rank != 0 && c->meta_text) c->meta_text[c->meta_len] = '\0';
    if (c->rank != 0 && c->status == DCKPT_OK) take_inputs(c, prob, prob_len);
  }
  dckpt_free(prob);
}
