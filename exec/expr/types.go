package expr

import "github.com/apache/arrow-go/v18/arrow"

// The Arrow types spate's SQL types map to. Every package uses these
// instances so type equality is a pointer or arrow.TypeEqual check.
//
//	BIGINT        -> Int64
//	INT, INTEGER  -> Int32
//	DOUBLE, FLOAT -> Float64
//	DECIMAL(p,s)  -> Decimal128(p,s)   (see DecimalType)
//	VARCHAR, TEXT -> String (UTF-8)
//	BOOLEAN       -> Boolean
//	TIMESTAMP     -> Timestamp(ms), no time zone, read as UTC
var (
	TypeBigint    arrow.DataType = arrow.PrimitiveTypes.Int64
	TypeInt       arrow.DataType = arrow.PrimitiveTypes.Int32
	TypeDouble    arrow.DataType = arrow.PrimitiveTypes.Float64
	TypeVarchar   arrow.DataType = arrow.BinaryTypes.String
	TypeBoolean   arrow.DataType = arrow.FixedWidthTypes.Boolean
	TypeTimestamp arrow.DataType = &arrow.TimestampType{Unit: arrow.Millisecond}
	// TypeNull is the type of an untyped NULL literal before coercion.
	TypeNull arrow.DataType = arrow.Null
)

// DecimalType returns DECIMAL(p,s).
func DecimalType(p, s int32) arrow.DataType {
	return &arrow.Decimal128Type{Precision: p, Scale: s}
}

// DeletedColumn is the trailing boolean column of batches on an upsert
// (changelog) edge: true means "the row with these key columns is gone".
const DeletedColumn = "__deleted"
