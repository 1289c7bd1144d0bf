package vk

import (
	"encoding/binary"
	"testing"

	"github.com/stretchr/testify/assert"
)

func cacheHeader(pd *PhysicalDevice) []byte {
	b := make([]byte, 40)
	le := binary.LittleEndian
	le.PutUint32(b[0:], 32)
	le.PutUint32(b[4:], 1) // VK_PIPELINE_CACHE_HEADER_VERSION_ONE
	le.PutUint32(b[8:], pd.VendorID)
	le.PutUint32(b[12:], pd.DeviceID)
	copy(b[16:], pd.CacheUUID[:])
	return b
}

func TestValidCacheHeader(t *testing.T) {
	pd := &PhysicalDevice{VendorID: 0x10de, DeviceID: 0x2335, CacheUUID: [16]byte{1, 2, 3}}
	good := cacheHeader(pd)
	mutate := func(f func(b []byte)) []byte {
		b := append([]byte(nil), good...)
		f(b)
		return b
	}
	tests := []struct {
		name string
		data []byte
		want bool
	}{
		{"good", good, true},
		{"empty", nil, false},
		{"short", good[:31], false},
		{"header size too small", mutate(func(b []byte) { b[0] = 16 }), false},
		{"header size past end", mutate(func(b []byte) { b[0] = 200 }), false},
		{"version", mutate(func(b []byte) { b[4] = 2 }), false},
		{"other vendor", mutate(func(b []byte) { b[8] = 0x02 }), false},
		{"other device", mutate(func(b []byte) { b[12] = 0 }), false},
		{"other driver build", mutate(func(b []byte) { b[20] = 9 }), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, validCacheHeader(tt.data, pd))
		})
	}
}

func FuzzValidCacheHeader(f *testing.F) {
	pd := &PhysicalDevice{VendorID: 0x10005, CacheUUID: [16]byte{9}}
	f.Add(cacheHeader(pd))
	f.Add([]byte("garbage"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if validCacheHeader(b, pd) {
			assert.GreaterOrEqual(t, len(b), 32)
			assert.Equal(t, pd.VendorID, binary.LittleEndian.Uint32(b[8:]))
		}
	})
}
