package expr

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
)

// callMore picks kernels for the functions beyond arithmetic, comparison
// and logic.
func (c *compiler) callMore(e *Call, args []node, out arrow.DataType) (node, error) {
	return nil, fmt.Errorf("unknown function %q", e.Func)
}
