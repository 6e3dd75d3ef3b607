/* The methods that combine neighbours' iterates through the mixing matrix W.
 * X, G are N x d arrays (row i = agent i); every update below is written
 * entry by entry so each array is swept once along memory. Equations in the
 * notation of docs/algorithms.md. */
#include "opt/algo_internal.h"
#include "opt/network.h"

/* DGD: x^{k+1} = W x^k - alpha grad F(x^k). */
int opt_step_dgd(opt_state *s, dckpt_rng *rng) {
  double *x = s->buf[0], *g = s->tmp, *wx = s->tmp2;
  opt_all_grads(s, x, g, rng);
  opt_network_mix(&s->prob.net, x, wx, s->d);
  for (size_t k = 0; k < s->nd; k++)
    x[k] = wx[k] - s->alpha * g[k];
  s->messages += opt_broadcast_messages(s);
  return DCKPT_OK;
}

/* ATC diffusion: psi = x^k - alpha grad F(x^k) (adapt), x^{k+1} = W psi
 * (combine). */
int opt_step_atc(opt_state *s, dckpt_rng *rng) {
  double *x = s->buf[0], *g = s->tmp, *psi = s->tmp2;
  opt_all_grads(s, x, g, rng);
  for (size_t k = 0; k < s->nd; k++)
    psi[k] = x[k] - s->alpha * g[k];
  opt_network_mix(&s->prob.net, psi, x, s->d);
  s->messages += opt_broadcast_messages(s);
  return DCKPT_OK;
}

/* EXTRA with W~ = (I + W) / 2:
 *   x^1     = W x^0 - alpha grad F(x^0)
 *   x^{k+2} = (I + W) x^{k+1} - W~ x^k - alpha (grad F(x^{k+1}) - grad F(x^k)).
 * W x^k is kept from the previous iteration (wx_prev), so one exchange per
 * iteration suffices. */
int opt_step_extra(opt_state *s, dckpt_rng *rng) {
  double *x = s->buf[0], *xp = s->buf[1], *wxp = s->buf[2], *gp = s->buf[3];
  double *g = s->tmp, *wx = s->tmp2, a = s->alpha;
  opt_all_grads(s, x, g, rng);
  opt_network_mix(&s->prob.net, x, wx, s->d);
  for (size_t k = 0; k < s->nd; k++) {
    double next = s->t == 0 ? wx[k] - a * g[k]
                            : x[k] + wx[k] - 0.5 * (xp[k] + wxp[k]) - a * (g[k] - gp[k]);
    xp[k] = x[k];
    wxp[k] = wx[k];
    gp[k] = g[k];
    x[k] = next;
  }
  s->messages += opt_broadcast_messages(s);
  return DCKPT_OK;
}

/* NIDS with W~ = (I + W) / 2 (c = 1 / (2 alpha)):
 *   x^1     = x^0 - alpha grad F(x^0)                       (no exchange)
 *   x^{k+2} = W~ (2 x^{k+1} - x^k - alpha (grad F(x^{k+1}) - grad F(x^k))). */
int opt_step_nids(opt_state *s, dckpt_rng *rng) {
  double *x = s->buf[0], *xp = s->buf[1], *gp = s->buf[2];
  double *g = s->tmp, *z = s->tmp2, a = s->alpha;
  opt_all_grads(s, x, g, rng);
  if (s->t == 0) {
    for (size_t k = 0; k < s->nd; k++) {
      xp[k] = x[k];
      gp[k] = g[k];
      x[k] -= a * g[k];
    }
    return DCKPT_OK;
  }
  for (size_t k = 0; k < s->nd; k++) {
    z[k] = 2.0 * x[k] - xp[k] - a * (g[k] - gp[k]);
    gp[k] = g[k];
  }
  double *wz = s->tmp; /* g is no longer needed */
  opt_network_mix(&s->prob.net, z, wz, s->d);
  for (size_t k = 0; k < s->nd; k++) {
    xp[k] = x[k];
    x[k] = 0.5 * (z[k] + wz[k]);
  }
  s->messages += opt_broadcast_messages(s);
  return DCKPT_OK;
}

/* DIGing (gradient tracking), y^0 = grad F(x^0):
 *   x^{k+1} = W x^k - alpha y^k
 *   y^{k+1} = W y^k + grad F(x^{k+1}) - grad F(x^k).
 * x and y are both exchanged: two broadcasts per iteration. */
int opt_step_diging(opt_state *s, dckpt_rng *rng) {
  double *x = s->buf[0], *y = s->buf[1], *g = s->buf[2];
  double *w = s->tmp, *gn = s->tmp2;
  if (s->t == 0) {
    opt_all_grads(s, x, g, rng);
    for (size_t k = 0; k < s->nd; k++)
      y[k] = g[k];
  }
  opt_network_mix(&s->prob.net, x, w, s->d);
  for (size_t k = 0; k < s->nd; k++)
    x[k] = w[k] - s->alpha * y[k];
  opt_all_grads(s, x, gn, rng);
  opt_network_mix(&s->prob.net, y, w, s->d);
  for (size_t k = 0; k < s->nd; k++) {
    y[k] = w[k] + gn[k] - g[k];
    g[k] = gn[k];
  }
  s->messages += 2 * opt_broadcast_messages(s);
  return DCKPT_OK;
}
