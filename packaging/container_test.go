package packaging

import (
	"errors"
	"os"
	"os/exec"
	"testing"
)

// TestContainerImage builds the image FROM scratch and smoke-tests it (container.sh: its files,
// user 65532, `version`, one check against the embedded reference portal with no network). It
// builds a release binary and an image, so it runs only when asked: .ci/run asks.
func TestContainerImage(t *testing.T) {
	if os.Getenv("MESHCONFORM_CONTAINER_TEST") == "" {
		t.Skip("not run: set MESHCONFORM_CONTAINER_TEST=1 to build the image and smoke-test it (.ci/run does)")
	}
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash is not installed: container.sh needs it")
	}
	out, err := exec.Command(bash, "container.sh").CombinedOutput()
	var ee *exec.ExitError
	switch {
	case err == nil:
		t.Logf("%s", out)
	case errors.As(err, &ee) && ee.ExitCode() == 3:
		t.Skipf("no container engine can build and run the image here:\n%s", out)
	default:
		t.Fatalf("container.sh: %v\n%s", err, out)
	}
}
