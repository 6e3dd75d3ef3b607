/* Saves and loads one checkpoint through an installed libdckpt. */
#include <dckpt.h>
#include <stdio.h>

int main(int argc, char **argv) {
  if (argc != 2) return 2;
  dckpt_store_options o;
  dckpt_store_options_init(&o);
  o.durability = DCKPT_DURABILITY_NONE;
  dckpt_store *s = NULL;
  if (dckpt_store_open(argv[1], &o, &s) != DCKPT_OK) return 1;
  dckpt_algorithm_info alg = {.name = "a", .iterations = 3};
  dckpt_metadata m = {.n_trials = 1, .n_algorithms = 1, .algorithms = &alg};
  dckpt_record *r = dckpt_record_create();
  double x[3] = {1, 2, 3};
  int rc = dckpt_store_initialize(s, &m, NULL, NULL);
  if (!rc) rc = dckpt_record_put_f64(r, "x", x, 3);
  if (!rc) rc = dckpt_store_mark_complete(s, 0, 0, 2, r);
  dckpt_record *back = NULL;
  if (!rc) rc = dckpt_store_load_final_state(s, 0, 0, &back);
  double y[3] = {0};
  if (!rc) rc = dckpt_record_get(back, "x", DCKPT_F64, y, 3);
  printf("dckpt %s: %s, x = %g %g %g\n", dckpt_version_string(), dckpt_strerror(rc), y[0],
         y[1], y[2]);
  dckpt_record_free(r);
  dckpt_record_free(back);
  dckpt_store_close(s);
  return rc == DCKPT_OK && y[2] == 3 ? 0 : 1;
}
