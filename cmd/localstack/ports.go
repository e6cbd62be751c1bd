package main

import (
	"context"
	"fmt"
	"io"
	"net"
)

const portsUsage = `Usage: localstack ports -n N

Prints N distinct free TCP ports on 127.0.0.1, one a line (for scripts).`

func ports(_ context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("ports", portsUsage, stderr, nil)
	n := fs.Int("n", 1, "how many ports")
	if err := parseFlags(fs, args, getenv, nil); err != nil {
		return err
	}
	list, err := freePorts(*n)
	if err != nil {
		return err
	}
	for _, p := range list {
		fmt.Fprintln(stdout, p)
	}
	return nil
}

// freePorts holds n listeners open at once so that the ports differ, then
// closes them.
func freePorts(n int) ([]int, error) {
	var out []int
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		defer ln.Close()
		out = append(out, ln.Addr().(*net.TCPAddr).Port)
	}
	return out, nil
}
