package catalog

import (
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/spate-sql/spate/exec/expr"
	"github.com/spate-sql/spate/parser"
)

// MaxDecimalPrecision is the widest DECIMAL spate (and Arrow's Decimal128)
// holds.
const MaxDecimalPrecision = 38

// Decimal defaults follow DuckDB: DECIMAL without arguments is DECIMAL(18,3).
const (
	defaultDecimalPrecision = 18
	defaultDecimalScale     = 3
)

// supportedTypes is the list shown when a type name is not known.
const supportedTypes = "BIGINT, INT, DOUBLE, DECIMAL(p,s), VARCHAR, TEXT, BOOLEAN, TIMESTAMP"

// ArrowType maps a SQL type as written to its Arrow type (see
// exec/expr/types.go for the mapping).
func ArrowType(t parser.TypeName) (arrow.DataType, error) {
	switch strings.ToUpper(t.Name) {
	case "BIGINT", "INT8", "LONG":
		return expr.TypeBigint, nil
	case "INT", "INTEGER", "INT4":
		return expr.TypeInt, nil
	case "DOUBLE", "FLOAT", "FLOAT8", "DOUBLE PRECISION":
		return expr.TypeDouble, nil
	case "VARCHAR", "TEXT", "STRING", "CHAR":
		return expr.TypeVarchar, nil
	case "BOOLEAN", "BOOL":
		return expr.TypeBoolean, nil
	case "TIMESTAMP", "DATETIME":
		return expr.TypeTimestamp, nil
	case "DECIMAL", "NUMERIC":
		p, s := t.Precision, t.Scale
		if p == 0 && s == 0 {
			p, s = defaultDecimalPrecision, defaultDecimalScale
		}
		if p < 1 || p > MaxDecimalPrecision {
			return nil, parser.Errorf(t.Pos, "", "DECIMAL precision %d is out of range (1 to %d)", p, MaxDecimalPrecision)
		}
		if s < 0 || s > p {
			return nil, parser.Errorf(t.Pos, "", "DECIMAL scale %d is out of range (0 to the precision %d)", s, p)
		}
		return expr.DecimalType(int32(p), int32(s)), nil
	}
	return nil, parser.Errorf(t.Pos, "", "unsupported type %s (supported: %s)", t.Name, supportedTypes)
}

// TypeString names an Arrow type the way SQL (and DuckDB) writes it, for
// messages, EXPLAIN and DuckDB DDL.
func TypeString(dt arrow.DataType) string {
	if dt == nil {
		return "NULL"
	}
	switch t := dt.(type) {
	case *arrow.Int64Type:
		return "BIGINT"
	case *arrow.Int32Type:
		return "INTEGER"
	case *arrow.Float64Type:
		return "DOUBLE"
	case *arrow.StringType:
		return "VARCHAR"
	case *arrow.BooleanType:
		return "BOOLEAN"
	case *arrow.TimestampType:
		return "TIMESTAMP"
	case *arrow.Decimal128Type:
		return fmt.Sprintf("DECIMAL(%d,%d)", t.Precision, t.Scale)
	case *arrow.NullType:
		return "NULL"
	}
	return strings.ToUpper(dt.String())
}

// IsNumeric reports whether dt is one of spate's numeric types.
func IsNumeric(dt arrow.DataType) bool {
	switch dt.ID() {
	case arrow.INT32, arrow.INT64, arrow.FLOAT64, arrow.DECIMAL128:
		return true
	}
	return false
}

// IsTimestamp reports whether dt is spate's TIMESTAMP.
func IsTimestamp(dt arrow.DataType) bool { return dt.ID() == arrow.TIMESTAMP }
