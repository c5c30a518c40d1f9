//go:build duckdb_arrow

package duckdb

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestQueryFileHeldByAnotherProcess: `spate query --db` on a database a
// running spate holds fails with a sentence that says what to do.
func TestQueryFileHeldByAnotherProcess(t *testing.T) {
	if p := os.Getenv("SPATE_TEST_HOLD_DB"); p != "" {
		// Child: hold the database until stdin closes.
		s, err := Open(p)
		if err != nil {
			os.Stdout.WriteString("error " + err.Error() + "\n")
			os.Exit(1)
		}
		os.Stdout.WriteString("ready\n")
		bufio.NewReader(os.Stdin).ReadString('\n')
		s.Close()
		os.Exit(0)
	}
	path := filepath.Join(t.TempDir(), "held.duckdb")
	s := openStore(t, path)
	s.Close()

	cmd := exec.Command(os.Args[0], "-test.run=^TestQueryFileHeldByAnotherProcess$")
	cmd.Env = append(os.Environ(), "SPATE_TEST_HOLD_DB="+path)
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		stdin.Close()
		cmd.Wait()
	}()
	line, _ := bufio.NewReader(stdout).ReadString('\n')
	if strings.TrimSpace(line) != "ready" {
		t.Fatalf("child: %q", line)
	}
	_, err := QueryFile(context.Background(), path, "SELECT 1")
	if err == nil || !strings.Contains(err.Error(), "held by another process") {
		t.Fatalf("want a lock error, got %v", err)
	}
	t.Log(err)
}
