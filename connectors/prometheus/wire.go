package prometheus

import (
	"fmt"
	"sync"

	writev2 "github.com/prometheus/client_golang/exp/api/remote/genproto/v2"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"
)

// Remote-Write 1.0 (prometheus.WriteRequest). client_golang's exp module
// only generates the 2.0 types, and prometheus/prometheus (home of
// prompb) is far too large a dependency for four messages, so the
// messages are described here — the subset of prompb/types.proto and
// remote.proto a float sample needs, with the same names and field
// numbers — and built and encoded by the protobuf library's dynamicpb.
//
//	message WriteRequest { repeated TimeSeries timeseries = 1; }
//	message TimeSeries   { repeated Label labels = 1; repeated Sample samples = 2; }
//	message Label        { string name = 1; string value = 2; }
//	message Sample       { double value = 1; int64 timestamp = 2; }
var v1 struct {
	once                    sync.Once
	err                     error
	writeRequest            protoreflect.MessageDescriptor
	tsField                 protoreflect.FieldDescriptor // WriteRequest.timeseries
	labelsField, samples    protoreflect.FieldDescriptor // TimeSeries.labels, .samples
	labelName, labelValue   protoreflect.FieldDescriptor
	sampleValue, sampleTime protoreflect.FieldDescriptor
}

func v1Descriptors() error {
	v1.once.Do(func() {
		repeated := descriptorpb.FieldDescriptorProto_LABEL_REPEATED.Enum()
		optional := descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL.Enum()
		msgType := descriptorpb.FieldDescriptorProto_TYPE_MESSAGE.Enum()
		field := func(name string, num int32, label *descriptorpb.FieldDescriptorProto_Label, typ descriptorpb.FieldDescriptorProto_Type, typeName string) *descriptorpb.FieldDescriptorProto {
			f := &descriptorpb.FieldDescriptorProto{Name: proto.String(name), Number: proto.Int32(num), Label: label, Type: typ.Enum(),
				JsonName: proto.String(name)}
			if typeName != "" {
				f.TypeName = proto.String(typeName)
			}
			return f
		}
		fd := &descriptorpb.FileDescriptorProto{
			Name:    proto.String("spate/prometheus_remote_write_v1.proto"),
			Package: proto.String("prometheus"),
			Syntax:  proto.String("proto3"),
			MessageType: []*descriptorpb.DescriptorProto{
				{Name: proto.String("WriteRequest"), Field: []*descriptorpb.FieldDescriptorProto{
					field("timeseries", 1, repeated, *msgType, ".prometheus.TimeSeries")}},
				{Name: proto.String("TimeSeries"), Field: []*descriptorpb.FieldDescriptorProto{
					field("labels", 1, repeated, *msgType, ".prometheus.Label"),
					field("samples", 2, repeated, *msgType, ".prometheus.Sample")}},
				{Name: proto.String("Label"), Field: []*descriptorpb.FieldDescriptorProto{
					field("name", 1, optional, descriptorpb.FieldDescriptorProto_TYPE_STRING, ""),
					field("value", 2, optional, descriptorpb.FieldDescriptorProto_TYPE_STRING, "")}},
				{Name: proto.String("Sample"), Field: []*descriptorpb.FieldDescriptorProto{
					field("value", 1, optional, descriptorpb.FieldDescriptorProto_TYPE_DOUBLE, ""),
					field("timestamp", 2, optional, descriptorpb.FieldDescriptorProto_TYPE_INT64, "")}},
			},
		}
		f, err := protodesc.NewFile(fd, nil)
		if err != nil {
			v1.err = fmt.Errorf("remote-write 1.0 descriptor: %w", err)
			return
		}
		msgs := f.Messages()
		v1.writeRequest = msgs.ByName("WriteRequest")
		v1.tsField = v1.writeRequest.Fields().ByNumber(1)
		ts := msgs.ByName("TimeSeries")
		v1.labelsField, v1.samples = ts.Fields().ByNumber(1), ts.Fields().ByNumber(2)
		l := msgs.ByName("Label")
		v1.labelName, v1.labelValue = l.Fields().ByNumber(1), l.Fields().ByNumber(2)
		s := msgs.ByName("Sample")
		v1.sampleValue, v1.sampleTime = s.Fields().ByNumber(1), s.Fields().ByNumber(2)
	})
	return v1.err
}

// encodeV1 builds a prometheus.WriteRequest holding b.
func encodeV1(b *batch) (proto.Message, error) {
	if err := v1Descriptors(); err != nil {
		return nil, err
	}
	req := dynamicpb.NewMessage(v1.writeRequest)
	series := req.Mutable(v1.tsField).List()
	for i, lbls := range b.series {
		ts := series.NewElement().Message()
		ll := ts.Mutable(v1.labelsField).List()
		for _, l := range lbls {
			m := ll.NewElement().Message()
			m.Set(v1.labelName, protoreflect.ValueOfString(l.name))
			m.Set(v1.labelValue, protoreflect.ValueOfString(l.value))
			ll.Append(protoreflect.ValueOfMessage(m))
		}
		sl := ts.Mutable(v1.samples).List()
		for _, s := range b.samples[i] {
			m := sl.NewElement().Message()
			m.Set(v1.sampleValue, protoreflect.ValueOfFloat64(s.v))
			m.Set(v1.sampleTime, protoreflect.ValueOfInt64(s.ts))
			sl.Append(protoreflect.ValueOfMessage(m))
		}
		series.Append(protoreflect.ValueOfMessage(ts))
	}
	return req, nil
}

// encodeV2 builds an io.prometheus.write.v2.Request holding b. st is
// reused between requests (the sender goroutine owns it).
func encodeV2(b *batch, st *writev2.SymbolsTable) *writev2.Request {
	st.Reset()
	req := &writev2.Request{Timeseries: make([]*writev2.TimeSeries, len(b.series))}
	samples := make([]writev2.Sample, 0, b.n)
	for i, lbls := range b.series {
		refs := make([]uint32, 0, 2*len(lbls))
		for _, l := range lbls {
			refs = append(refs, st.Symbolize(l.name), st.Symbolize(l.value))
		}
		ts := &writev2.TimeSeries{LabelsRefs: refs, Samples: make([]*writev2.Sample, len(b.samples[i]))}
		for j, s := range b.samples[i] {
			samples = append(samples, writev2.Sample{Value: s.v, Timestamp: s.ts})
			ts.Samples[j] = &samples[len(samples)-1]
		}
		req.Timeseries[i] = ts
	}
	req.Symbols = st.Symbols()
	return req
}
