"""Diagnoses read from the series of steps: divergence, a plateau at the target variance, gradients that
explode or vanish. Thresholds are deliberately loose: a healthy run must stay silent."""
import math

PLATEAU_WINDOW = 50


def _finite(x):
    return x is not None and math.isfinite(x)


class SeriesDiagnoser:
    def __init__(self, tracer):
        self.tr = tracer
        self.first_loss = None
        self.last_finite = None  # (step, loss)
        self.first_gnorm = None
        self.recent = []  # (step, loss, predStd, targetVar) of recorded steps with batch statistics
        self.zero_grad_steps = {}
        self.diverged = False

    def on_step(self, n, loss, record):
        finite = _finite(loss)
        if finite and self.first_loss is None:
            self.first_loss = loss
        if not self.diverged:
            self._divergence(n, loss, finite, record)
        if finite:
            self.last_finite = (n, loss)
        if record is None:
            return
        gnorm = math.sqrt(sum([p["gradNorm"] ** 2 for p in record["params"].values()]))
        self._gradients(n, loss, gnorm, record)
        if finite and "predStd" in record:
            recent = self.recent
            recent.append((n, loss, record["predStd"], record["targetVar"], record.get("targetMean", 0.0),
                           record.get("predMean", 0.0)))
            if len(recent) > 2 * PLATEAU_WINDOW:
                del recent[: len(recent) - PLATEAU_WINDOW]
            if n % 10 == 0 and len(recent) >= PLATEAU_WINDOW:
                self._plateau(n)

    def _divergence(self, n, loss, finite, record):
        bad_param = None
        if record is not None:
            for name, p in record["params"].items():
                if not _finite(p["norm"]):
                    bad_param = name
                    break
        why = None
        if not finite:
            why = f"the loss became {loss}"
        elif bad_param:
            why = f"parameter {bad_param} became non-finite"
        elif self.first_loss and self.first_loss > 0 and loss > 1e6 * self.first_loss:
            why = f"the loss grew to {loss:.4g}, {loss / self.first_loss:.3g}× its first value"
        if why is None:
            return
        self.diverged = True
        prev = self.last_finite
        msg = f"Training diverged at step {n}: {why}" + (
            f" (last finite loss {prev[1]:.4g} at step {prev[0]})." if prev and prev[0] != n else ".") + \
            " The learning rate is too high for the scale of the inputs or the loss."
        ev = {"step": n, "loss": loss, "firstLoss": self.first_loss, "lastFiniteStep": prev[0] if prev else None,
              "lastFiniteLoss": prev[1] if prev else None}
        fix = {"description": "lower the learning rate, or standardize the inputs", "specFix": "lower-lr"}
        self.tr.diagnose("divergence", "error", msg, ev, self.tr.loss_loc or self.tr.backward_loc, fix, step=n,
                         once_key="run")

    def _gradients(self, n, loss, gnorm, record):
        if self.first_gnorm is None and _finite(gnorm) and gnorm > 0:
            self.first_gnorm = (n, gnorm)
            return
        if self.first_gnorm is None:
            return
        g0 = self.first_gnorm[1]
        if not _finite(gnorm) or (gnorm > 1e4 * g0 and gnorm > 1e3):
            msg = (f"The gradient norm reached {gnorm:.4g} at step {n}, {gnorm / g0:.3g}× its value at step "
                   f"{self.first_gnorm[0]} ({g0:.4g}): gradients are exploding.") if _finite(gnorm) else \
                f"The gradient became non-finite at step {n}."
            ev = {"step": n, "gradNorm": gnorm, "firstGradNorm": g0}
            fix = {"description": "lower the learning rate, standardize the inputs, or clip gradients "
                                  "(torch.nn.utils.clip_grad_norm_)", "specFix": "lower-lr"}
            self.tr.diagnose("exploding-gradient", "warning", msg, ev, self.tr.backward_loc, fix, step=n,
                             once_key="run")
        for name, p in record["params"].items():
            z = self.zero_grad_steps
            if p["grad"] is not None and p["gradNorm"] == 0.0 and _finite(loss) and loss > 0:
                z[name] = z.get(name, 0) + 1
                if z[name] == 20:
                    msg = (f"Parameter {name} has had an exactly zero gradient for 20 recorded steps while the loss "
                           f"is still {loss:.4g}: no signal reaches it (dead units, saturation, or a detached path).")
                    ev = {"param": name, "steps": 20, "loss": loss}
                    self.tr.diagnose("vanishing-gradient", "warning", msg, ev, self.tr.backward_loc,
                                     {"description": "check activations and that the parameter is used in the loss"},
                                     step=n, once_key=name)
            else:
                z[name] = 0
        if _finite(gnorm) and gnorm < 1e-9 * g0 and _finite(loss) and self.first_loss and loss > 1e-3 * self.first_loss:
            msg = (f"The gradient norm fell to {gnorm:.3g} at step {n}, {g0 / max(gnorm, 1e-300):.3g}× below its "
                   f"first value, while the loss is still {loss:.4g}.")
            self.tr.diagnose("vanishing-gradient", "warning", msg, {"step": n, "gradNorm": gnorm, "firstGradNorm": g0},
                             self.tr.backward_loc, None, step=n, once_key="run")

    def _plateau(self, n):
        if ("loss-plateau-mean", "run") in self.tr.raised:  # raised once per run: nothing left to find
            return
        w = self.recent[-PLATEAU_WINDOW:]
        losses = [r[1] for r in w]
        half = len(w) // 2
        m1 = sum(losses[:half]) / half
        m2 = sum(losses[half:]) / (len(w) - half)
        mean_loss = sum(losses) / len(losses)
        tvar = sum(r[3] for r in w) / len(w)
        pstd = sum(r[2] for r in w) / len(w)
        if tvar <= 0 or mean_loss <= 0:
            return
        tstd = math.sqrt(tvar)
        flat = abs(m1 - m2) / mean_loss < 0.02
        near_var = 0.5 * tvar <= mean_loss <= 2.0 * tvar
        predicts_mean = pstd < 0.1 * tstd
        if flat and near_var and predicts_mean:
            msg = (f"The loss has been flat at about {mean_loss:,.6g} for {len(w)} recorded steps, "
                   f"{mean_loss / tvar:.4g}× the variance of the target ({tvar:,.6g}); the prediction barely varies "
                   f"(std {pstd:.4g} vs target std {tstd:.4g}): the model predicts about the batch mean.")
            ev = {"meanLoss": mean_loss, "targetVar": tvar, "ratio": mean_loss / tvar, "predStd": pstd,
                  "targetStd": tstd, "fromStep": w[0][0], "toStep": w[-1][0]}
            fix = {"description": "check the loss's input and target shapes, the input scale and the learning rate"}
            self.tr.diagnose("loss-plateau-mean", "warning", msg, ev, self.tr.loss_loc, fix, step=w[0][0],
                             once_key="run")

    def finish(self):
        if len(self.recent) >= PLATEAU_WINDOW:
            self._plateau(self.recent[-1][0])
