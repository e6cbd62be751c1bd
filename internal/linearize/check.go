package linearize

import (
	"fmt"
	"os"
	"time"

	"github.com/anishathalye/porcupine"
)

// Result is the verdict on a history.
type Result struct {
	Verdict porcupine.CheckResult // Ok, Illegal, or Unknown (the check ran out of time)
	Info    porcupine.LinearizationInfo
	Spec    Spec
}

// Check checks ops against spec, for at most timeout (0: no limit).
func Check(spec Spec, ops []porcupine.Operation, timeout time.Duration) Result {
	v, info := porcupine.CheckOperationsVerbose(Model(spec), ops, timeout)
	return Result{Verdict: v, Info: info, Spec: spec}
}

// Visualize writes r's history as porcupine's HTML page to path.
func (r Result) Visualize(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := porcupine.Visualize(Model(r.Spec), r.Info, f); err != nil {
		f.Close()
		return fmt.Errorf("linearize: visualize: %w", err)
	}
	return f.Close()
}
