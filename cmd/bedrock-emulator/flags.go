package main

import (
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/vectora/ingest-normalize/bedrock/emulator"
)

// flagSet declares every flag of o; -help lists them with their
// environment variables.
func flagSet(o *options, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("bedrock-emulator", flag.ContinueOnError)
	fs.SetOutput(stderr)
	s := &o.settings
	lat := emulator.DefaultLatency()
	fs.StringVar(&o.addr, "addr", "127.0.0.1:8790", "listen address")
	fs.StringVar(&o.models, "models", strings.Join(emulator.DefaultModels, ","),
		"served model or inference-profile ids, comma separated; id=RPM:TPM gives one its own quota")
	fs.IntVar(&o.rpm, "rpm", emulator.DefaultRPM, "requests per emulated minute, per model")
	fs.IntVar(&o.tpm, "tpm", emulator.DefaultTPM, "tokens per emulated minute, per model")
	fs.Float64Var(&s.BurstMinutes, "burst", emulator.DefaultBurstMinutes, "token bucket capacity, in minutes of quota (0.25: 15 s, as Bedrock)")
	fs.DurationVar(&o.window, "window", 0, "fixed quota windows of this emulated length instead of a continuous bucket (0: bucket)")
	fs.BoolVar(&s.ReserveBurndown, "reserve-burndown", false, "multiply the max_tokens part of the reservation by the burndown")
	fs.Float64Var(&o.burndown, "burndown", 0, "output-token burndown for every model (0: per model, 5 for Claude 3.7/4.x)")
	fs.IntVar(&s.ModelMaxTokens, "model-max-tokens", emulator.DefaultModelMaxTokens, "largest max_tokens; reserved by Converse without maxTokens")
	fs.Float64Var(&s.TimeScale, "time-scale", 1, "speed-up: one emulated minute lasts 60/scale seconds")
	fs.DurationVar(&o.ttft, "ttft", time.Duration(lat.FirstToken), "emulated time to first token")
	fs.Float64Var(&s.Latency.DecodeRate, "decode-rate", lat.DecodeRate, "emulated output tokens per second")
	fs.Float64Var(&s.Latency.Jitter, "jitter", lat.Jitter, "latency jitter: factor in [1-j/3, 1+j], fixed per prompt")
	fs.Float64Var(&s.Faults.Unavailable, "fault-503", 0, "rate of 503 ServiceUnavailableException")
	fs.Float64Var(&s.Faults.Internal, "fault-500", 0, "rate of 500 InternalServerException")
	fs.Float64Var(&s.Faults.NotJSON, "fault-not-json", 0, "rate of answers in prose instead of JSON")
	fs.Float64Var(&s.Faults.Fenced, "fault-fence", 0, "rate of JSON answers wrapped in a ```json fence")
	fs.Float64Var(&s.Faults.Slow, "fault-slow", 0, "rate of slow answers")
	fs.Float64Var(&s.Faults.SlowFactor, "slow-factor", 3, "latency factor of a slow answer")
	fs.Float64Var(&s.Faults.Background, "background", 0, "share of every quota used by other applications, in [0,1)")
	fs.Float64Var(&s.OtherTenant.Share, "other-share", 0, "share of every quota another application draws from -other-start to -other-stop, in [0,1)")
	fs.Var((*durationFlag)(&s.OtherTenant.Start), "other-start", "emulated time the other application starts drawing (default 0)")
	fs.Var((*durationFlag)(&s.OtherTenant.Stop), "other-stop", "emulated time it stops (default 0: never)")
	fs.Uint64Var(&s.Seed, "seed", 0, "seed of fault injection")
	fs.Usage = func() { usage(fs) }
	return fs
}

// durationFlag is an emulator.Duration as a flag.
type durationFlag emulator.Duration

func (d *durationFlag) String() string { return time.Duration(*d).String() }

func (d *durationFlag) Set(s string) error {
	v, err := time.ParseDuration(s)
	*d = durationFlag(v)
	return err
}

// usage prints the flags with their environment variables and endpoints.
func usage(fs *flag.FlagSet) {
	w := fs.Output()
	fmt.Fprintf(w, "Usage: bedrock-emulator [flags]\n\n"+
		"A local Amazon Bedrock Runtime for the AWS SDK (BaseEndpoint = http://ADDR):\n"+
		"POST /model/{id}/invoke, /converse, /count-tokens; GET /stats, GET /settings;\n"+
		"POST /reset (optional JSON body of new settings).\n\n"+
		"Flags (each falls back to the environment variable shown; the flag wins):\n")
	fs.VisitAll(func(f *flag.Flag) {
		fmt.Fprintf(w, "  -%s (env %s, default %q)\n    \t%s\n", f.Name, envName(f.Name), f.DefValue, f.Usage)
	})
}
