/* Unit tests of apps/common/slurm_state.h without Slurm: how squeue's %T
 * output maps to dckpt_job_state, that a job id of other characters is never
 * put on a command line, and that a squeue that cannot run answers UNKNOWN.
 *
 *   test_job_state             run the tests
 *   test_job_state --ask ID    print what app_slurm_job_state says of job ID
 *                              (RUNNING, GONE or UNKNOWN), for the scripts
 *                              that run against a real Slurm */
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "slurm_state.h"

static const char *name(dckpt_job_state s) {
  return s == DCKPT_JOB_RUNNING ? "RUNNING" : s == DCKPT_JOB_GONE ? "GONE" : "UNKNOWN";
}

static void is(const char *text, dckpt_job_state want) {
  dckpt_job_state got = app_slurm_state_of(text);
  if (got != want)
    CHECK_FAIL_("squeue output '%s' gave %s, wanted %s", text, name(got), name(want));
}

static void test_states(void) {
  const char *live[] = {"RUNNING",      "COMPLETING",   "PENDING",     "SUSPENDED",
                        "REQUEUED",     "REQUEUE_HOLD", "REQUEUE_FED", "RESIZING",
                        "CONFIGURING",  "SIGNALING",    "STAGE_OUT",   "STOPPED",
                        "SPECIAL_EXIT", "RESV_DEL_HOLD"};
  for (size_t i = 0; i < sizeof live / sizeof *live; i++)
    is(live[i], DCKPT_JOB_RUNNING);
  const char *ended[] = {"COMPLETED",     "FAILED",    "CANCELLED", "TIMEOUT",
                         "PREEMPTED",     "NODE_FAIL", "BOOT_FAIL", "DEADLINE",
                         "OUT_OF_MEMORY", "REVOKED"};
  for (size_t i = 0; i < sizeof ended / sizeof *ended; i++)
    is(ended[i], DCKPT_JOB_GONE);
  /* as squeue prints them: a newline, "by UID", blanks */
  is("COMPLETED\n", DCKPT_JOB_GONE);
  is("CANCELLED by 0\n", DCKPT_JOB_GONE);
  is("  RUNNING  \n", DCKPT_JOB_RUNNING);
  /* several lines (an array's tasks): one that may still run wins; all ended
   * is gone; an unknown one among ended ones is not gone */
  is("COMPLETED\nRUNNING\n", DCKPT_JOB_RUNNING);
  is("PENDING\nCOMPLETED\n", DCKPT_JOB_RUNNING);
  is("COMPLETED\nFAILED\nTIMEOUT\n", DCKPT_JOB_GONE);
  is("COMPLETED\nSOMETHING_NEW\n", DCKPT_JOB_UNKNOWN);
  is("SOMETHING_NEW\nRUNNING\n", DCKPT_JOB_RUNNING);
  /* nothing, or something that is not a state */
  is("", DCKPT_JOB_UNKNOWN);
  is("\n\n", DCKPT_JOB_UNKNOWN);
  is(NULL, DCKPT_JOB_UNKNOWN);
  is("running", DCKPT_JOB_UNKNOWN);
  is("COMPLETEDX", DCKPT_JOB_UNKNOWN);
  is("COMPLETE", DCKPT_JOB_UNKNOWN);
  is("slurm_load_jobs error: Unable to contact slurm controller", DCKPT_JOB_UNKNOWN);
}

static void test_no_command(void) {
  /* ids that are not digits with at most one inner '_' are never asked
   * about (the id goes on a command line) */
  const char *bad[] = {"",      "12;rm -rf x", "12 13",    "$(id)", "_12",  "12_",
                       "1_2_3", "far-1",       "12.batch", "12\n",  "0x1f", NULL};
  for (size_t i = 0; bad[i]; i++)
    CHECK_EQ(app_slurm_job_state(bad[i], NULL), DCKPT_JOB_UNKNOWN);
  CHECK_EQ(app_slurm_job_state(NULL, NULL), DCKPT_JOB_UNKNOWN);
  /* squeue cannot be run: UNKNOWN, never GONE */
  CHECK(setenv("PATH", "/nonexistent-dckpt-test", 1) == 0);
  CHECK_EQ(app_slurm_job_state("4242", NULL), DCKPT_JOB_UNKNOWN);
  CHECK_EQ(app_slurm_job_state("4242_3", NULL), DCKPT_JOB_UNKNOWN);
}

int main(int argc, char **argv) {
  if (argc == 3 && !strcmp(argv[1], "--ask")) {
    printf("%s\n", name(app_slurm_job_state(argv[2], NULL)));
    return 0;
  }
  if (argc != 1) {
    fprintf(stderr, "usage: test_job_state [--ask JOB_ID]\n");
    return 2;
  }
  test_states();
  test_no_command();
  printf("test_job_state: all passed\n");
  return 0;
}
