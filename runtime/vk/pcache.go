package vk

/*
#include "vkbind.h"
*/
import "C"

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
)

// pipelineCache is the device's VkPipelineCache and the file it persists to.
type pipelineCache struct {
	cache C.VkPipelineCache
	path  string // "" when not persisted
}

// PipelineCachePath is where the cache of pd lives under dir.
func PipelineCachePath(dir string, pd *PhysicalDevice) string {
	return filepath.Join(dir, fmt.Sprintf("pipeline-cache-%04x-%04x-%08x.bin", pd.VendorID, pd.DeviceID, pd.DriverVersion))
}

func (d *Device) openCache() error {
	if !d.opts.NoPipelineCache {
		dir := d.opts.PipelineCacheDir
		if dir == "" {
			if base, err := os.UserCacheDir(); err == nil {
				dir = filepath.Join(base, "vkllm")
			}
		}
		if dir != "" {
			d.cache.path = PipelineCachePath(dir, &d.pd)
		}
	}
	var data []byte
	if d.cache.path != "" {
		b, err := os.ReadFile(d.cache.path)
		if err == nil && validCacheHeader(b, &d.pd) {
			data = b
		} else if err == nil {
			d.inst.log.Info("vk: ignoring foreign or corrupt pipeline cache", "path", d.cache.path)
		}
	}
	err := d.createCache(data)
	if err != nil && data != nil { // a driver may still reject it: start empty
		err = d.createCache(nil)
	}
	return err
}

// validCacheHeader checks VkPipelineCacheHeaderVersionOne against pd.
func validCacheHeader(b []byte, pd *PhysicalDevice) bool {
	if len(b) < 32 {
		return false
	}
	le := binary.LittleEndian
	return le.Uint32(b[0:]) >= 32 && int(le.Uint32(b[0:])) <= len(b) &&
		le.Uint32(b[4:]) == C.VK_PIPELINE_CACHE_HEADER_VERSION_ONE &&
		le.Uint32(b[8:]) == pd.VendorID && le.Uint32(b[12:]) == pd.DeviceID &&
		bytes.Equal(b[16:32], pd.CacheUUID[:])
}

func (d *Device) createCache(data []byte) error {
	var a cArena
	defer a.free()
	ci := newC[C.VkPipelineCacheCreateInfo](&a)
	ci.sType = C.VK_STRUCTURE_TYPE_PIPELINE_CACHE_CREATE_INFO
	if len(data) > 0 {
		ci.initialDataSize = C.size_t(len(data))
		ci.pInitialData = a.bytes(data)
	}
	return check("vkCreatePipelineCache", C.vkllm_CreatePipelineCache(d.fns, d.dev, ci, &d.cache.cache))
}

// closeCache saves the cache (best effort: a failure is logged) and
// destroys it.
func (d *Device) closeCache() {
	if d.cache.cache == nil {
		return
	}
	if d.cache.path != "" {
		if err := d.saveCache(); err != nil {
			d.inst.log.Warn("vk: saving pipeline cache", "path", d.cache.path, "err", err)
		}
	}
	C.vkllm_DestroyPipelineCache(d.fns, d.dev, d.cache.cache)
	d.cache.cache = nil
}

func (d *Device) saveCache() error {
	var n C.size_t
	if err := check("vkGetPipelineCacheData", C.vkllm_GetPipelineCacheData(d.fns, d.dev, d.cache.cache, &n, nil)); err != nil {
		return err
	}
	if n == 0 {
		return nil
	}
	buf := C.malloc(n)
	if buf == nil {
		return fmt.Errorf("vk: pipeline cache of %d bytes: %w", n, ErrOutOfDeviceMemory)
	}
	defer C.free(buf)
	if err := check("vkGetPipelineCacheData", C.vkllm_GetPipelineCacheData(d.fns, d.dev, d.cache.cache, &n, buf)); err != nil {
		return err
	}
	data := C.GoBytes(buf, C.int(n))
	return writeAtomic(d.cache.path, data)
}

// writeAtomic writes through a temporary file and a rename, so a crash or
// a concurrent process never leaves a torn cache.
func writeAtomic(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	_, werr := f.Write(data)
	cerr := f.Close()
	if werr != nil || cerr != nil {
		os.Remove(f.Name())
		return fmt.Errorf("writing %s: %v %v", path, werr, cerr)
	}
	slog.Debug("vk: saved pipeline cache", "path", path, "bytes", len(data))
	return os.Rename(f.Name(), path)
}
