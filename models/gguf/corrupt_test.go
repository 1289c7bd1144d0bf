package gguf

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vkllm/vkllm/models/quant"
)

// raw builds GGUF bytes field by field, so tests can write what Write never
// would.
type raw []byte

func (r raw) u32(v uint32) raw  { return binary.LittleEndian.AppendUint32(r, v) }
func (r raw) u64(v uint64) raw  { return binary.LittleEndian.AppendUint64(r, v) }
func (r raw) str(s string) raw  { return append(r.u64(uint64(len(s))), s...) }
func (r raw) b(b ...byte) raw   { return append(r, b...) }
func (r raw) pad(align int) raw { return append(r, make([]byte, (align-len(r)%align)%align)...) }

func hdr(nTensors, nKV uint64) raw { return raw("GGUF").u32(3).u64(nTensors).u64(nKV) }

// tinfo appends a tensor info.
func (r raw) tinfo(name string, ty quant.Type, off uint64, dims ...uint64) raw {
	r = r.str(name).u32(uint32(len(dims)))
	for _, d := range dims {
		r = r.u64(d)
	}
	return r.u32(uint32(ty)).u64(off)
}

// nested returns depth array headers, each holding one array, around an
// empty u8 array.
func nested(depth int) raw {
	r := hdr(0, 1).str("deep").u32(uint32(TypeArray))
	for range depth - 1 {
		r = r.u32(uint32(TypeArray)).u64(1)
	}
	return r.u32(uint32(TypeUint8)).u64(0)
}

func TestCorrupt(t *testing.T) {
	const kvStart = 24
	tests := []struct {
		name string
		data []byte
		off  int64
		want string
	}{
		{"empty", nil, 0, "magic: need 4 bytes"},
		{"bad magic", raw("GGML").u32(3).u64(0).u64(0), 0, "bad magic"},
		{"version 1", raw("GGUF").u32(1).u32(0).u32(0), 4, "version 1 is not supported"},
		{"version 4", raw("GGUF").u32(4).u64(0).u64(0), 4, "unsupported GGUF version 4"},
		{"big-endian", raw("GGUF").b(0, 0, 0, 3).u64(0).u64(0), 4, "big-endian"},
		{"tensor count 2^60", hdr(1<<60, 0), 8, "tensor count 1152921504606846976 is impossible"},
		{"kv count 2^60", hdr(0, 1<<60), 16, "key/value count 1152921504606846976 is impossible"},
		{"key length 2^62", hdr(0, 1).u64(1 << 62).b(make([]byte, 16)...), kvStart, "key length 4611686018427387904 exceeds"},
		{"string length past end", hdr(0, 1).str("k").u32(uint32(TypeString)).u64(1 << 40).b('x'), kvStart + 13, "string length 1099511627776 exceeds"},
		{"array length 2^40", hdr(0, 1).str("a").u32(uint32(TypeArray)).u32(uint32(TypeUint32)).u64(1 << 40), kvStart + 17, "array length 1099511627776 is impossible"},
		{"string array longer than file", hdr(0, 1).str("a").u32(uint32(TypeArray)).u32(uint32(TypeString)).u64(3).str("x"), kvStart + 17, "array length 3 is impossible"},
		{"nested depth", nested(maxDepth + 1), -1, "nested deeper than 8"},
		{"unknown value type", hdr(0, 1).str("k").u32(13).u64(0), kvStart + 13, "unknown value type 13"},
		{"unknown array type", hdr(0, 1).str("k").u32(uint32(TypeArray)).u32(99).u64(0), kvStart + 13, "array of unknown value type 99"},
		{"bool 2", hdr(0, 1).str("k").u32(uint32(TypeBool)).b(2), kvStart + 13, "bool value 2"},
		{"bool array 7", hdr(0, 1).str("k").u32(uint32(TypeArray)).u32(uint32(TypeBool)).u64(2).b(1, 7), kvStart + 13, "bool value 7"},
		{"duplicate key", hdr(0, 2).str("k").u32(0).b(1).str("k").u32(0).b(2), kvStart + 14, `duplicate key "k"`},
		{"alignment 48", hdr(0, 1).str("general.alignment").u32(uint32(TypeUint32)).u32(48), kvStart, "not a power of two"},
		{"alignment 0", hdr(0, 1).str("general.alignment").u32(uint32(TypeUint32)).u32(0), kvStart, "not a power of two"},
		{"alignment string", hdr(0, 1).str("general.alignment").u32(uint32(TypeString)).str("32"), kvStart, "not a power of two"},
		{"five dims", hdr(1, 0).tinfo("t", quant.F32, 0, 1, 1, 1, 1, 1).pad(32).b(0, 0, 0, 0), kvStart, "5 dimensions"},
		{"zero dim", hdr(1, 0).tinfo("t", quant.F32, 0, 4, 0).pad(32), kvStart, "dimension 0"},
		{"unknown tensor type", hdr(1, 0).tinfo("t", 99, 0, 1).pad(32).u32(0), kvStart, "unknown type type(99)"},
		{"retired tensor type", hdr(1, 0).tinfo("t", 4, 0, 32).pad(32), kvStart, "unknown type type(4)"},
		{"partial block", hdr(1, 0).tinfo("t", quant.Q8_0, 0, 33).pad(32), kvStart, "not a multiple of the Q8_0 block size 32"},
		{"element overflow", hdr(1, 0).tinfo("t", quant.F32, 0, 1<<32, 1<<32, 2), kvStart, "overflows"},
		{"byte overflow", hdr(1, 0).tinfo("t", quant.F32, 0, 1<<62), kvStart, "overflows"},
		{"misaligned offset", hdr(1, 0).tinfo("t", quant.F32, 4, 1).pad(32).u64(0), kvStart, "offset 4 is not a multiple of the alignment 32"},
		{"tensor past end", hdr(1, 0).tinfo("t", quant.F32, 0, 16).pad(32).u64(0), kvStart, "runs past the end"},
		{"offset past end", hdr(1, 0).tinfo("t", quant.F32, 1<<63, 1).pad(32).u32(0), kvStart, "runs past the end"},
		{"offset wraps", hdr(1, 0).tinfo("t", quant.F32, 1<<64-32, 16).pad(32).u32(0), kvStart, "runs past the end"},
		{"overlap", hdr(2, 0).tinfo("a", quant.F32, 0, 8).tinfo("b", quant.F32, 0, 8).pad(32).b(make([]byte, 32)...), kvStart + 33, `overlaps tensor "a"`},
		{"duplicate tensor", hdr(2, 0).tinfo("a", quant.F32, 0, 1).tinfo("a", quant.F32, 32, 1).pad(32).b(make([]byte, 64)...), kvStart + 33, `duplicate tensor name "a"`},
		{"truncated tensor info", hdr(2, 0).tinfo("abcdefghijklmnop", quant.F32, 0, 1).str("bb").u32(1), 86, "tensor dimension: need 8 bytes"},
		{"name longer than limit", hdr(1, 0).u64(maxName + 1).b(make([]byte, maxName+64)...), kvStart, "tensor name length 65537 exceeds"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, read := range readers {
				_, err := read.fn(tt.data)
				fe := requireFormatError(t, err)
				assert.Contains(t, fe.Msg, tt.want, read.name)
				if tt.off >= 0 {
					assert.Equal(t, tt.off, fe.Off, "%s: %v", read.name, err)
				}
			}
		})
	}
}

// readers parse through both code paths: an in-memory slice (as Open's
// mapping) and an io.ReaderAt window.
var readers = []struct {
	name string
	fn   func([]byte) (*File, error)
}{
	{"bytes", ReadBytes},
	{"readerat", func(b []byte) (*File, error) { return Read(bytes.NewReader(b), int64(len(b))) }},
}

func requireFormatError(t *testing.T, err error) *FormatError {
	t.Helper()
	var fe *FormatError
	require.ErrorAs(t, err, &fe)
	return fe
}

// Cutting a valid file anywhere before the end of its last tensor's data
// must give a FormatError at or before the cut; keeping at least that much
// must parse (trailing padding is optional).
func TestTruncated(t *testing.T) {
	kv := allValues()
	tensors := tensorsOfEveryType(11)[:6]
	data := encode(t, kv, tensors)
	full, err := ReadBytes(data)
	require.NoError(t, err)
	last := full.Tensors[len(full.Tensors)-1]
	n, _ := last.Bytes()
	need := full.DataOffset + int64(last.Offset+n)
	for cut := range len(data) {
		for _, read := range readers {
			_, err := read.fn(data[:cut])
			if int64(cut) >= need {
				require.NoError(t, err, "%s cut at %d", read.name, cut)
				continue
			}
			fe := requireFormatError(t, err)
			require.LessOrEqual(t, fe.Off, int64(cut), "%s cut at %d: %v", read.name, cut, err)
		}
	}
}

// A ReaderAt that fails reports an I/O error, not a FormatError or panic.
func TestReaderError(t *testing.T) {
	data := encode(t, allValues(), nil)
	_, err := Read(bytes.NewReader(data[:10]), int64(len(data)))
	require.Error(t, err)
	var fe *FormatError
	assert.False(t, errors.As(err, &fe), "%v", err)
	assert.ErrorContains(t, err, "unexpected EOF")
}

func TestFormatErrorString(t *testing.T) {
	assert.Equal(t, "gguf: offset 1234: bad thing", (&FormatError{1234, "bad thing"}).Error())
}

func TestNegativeSize(t *testing.T) {
	_, err := Read(bytes.NewReader(nil), -1)
	assert.ErrorContains(t, err, "negative file size")
}
