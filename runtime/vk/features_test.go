package vk

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestFeatureSets(t *testing.T) {
	have := Features{Float16: true, Int8: true, Storage16Bit: true, TimelineSemaphore: true,
		SubgroupBasic: true, SubgroupShuffle: true}
	enabled := Features{Float16: true, TimelineSemaphore: true, MemoryBudget: true}
	tests := []struct {
		name      string
		got, want Features
	}{
		{"disable", enabledFeatures(have, DeviceOptions{Disable: Features{Int8: true, SubgroupShuffle: true}}),
			Features{Float16: true, Storage16Bit: true, TimelineSemaphore: true, SubgroupBasic: true}},
		{"portable", enabledFeatures(have, DeviceOptions{Portable: true, Disable: Features{Int8: true}}), Features{}},
		{"missing keeps subgroup operations", missing(have, enabled), Features{Int8: true, Storage16Bit: true}},
		{"adopted: enabled and supported, subgroup ops as supported",
			enabledFeatures(have, DeviceOptions{Disable: missing(have, enabled)}),
			Features{Float16: true, TimelineSemaphore: true, SubgroupBasic: true, SubgroupShuffle: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.got)
		})
	}
}
