package cli

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"github.com/vkllm/vkllm/runtime/vk"
)

// devicesCommand lists the Vulkan devices and what they support.
func devicesCommand() *cli.Command {
	return &cli.Command{
		Name:  "devices",
		Usage: "list Vulkan devices: type, driver, memory, subgroups, optional features; * marks the default",
		Flags: []cli.Flag{&cli.BoolFlag{Name: "json", Usage: "print JSON"}},
		Action: func(c *cli.Context) error {
			devs, def, err := vk.ListDevices()
			if err != nil {
				return fmt.Errorf("devices: %w", err)
			}
			if c.Bool("json") {
				return writeDevicesJSON(c.App.Writer, devs, def)
			}
			return writeDevices(c.App.Writer, devs, def)
		},
	}
}

// deviceJSON adds the derived fields to a device for --json.
type deviceJSON struct {
	vk.PhysicalDevice
	Vendor        string `json:"vendor"`
	DriverVersion string `json:"driver_version"`
	Default       bool   `json:"default"`
}

func writeDevicesJSON(w io.Writer, devs []vk.PhysicalDevice, def int) error {
	out := make([]deviceJSON, len(devs))
	for i := range devs {
		d := &devs[i]
		out[i] = deviceJSON{PhysicalDevice: *d, Vendor: d.Vendor(), DriverVersion: d.DriverVersionString(), Default: i == def}
	}
	return writeJSON(w, out)
}

func writeDevices(w io.Writer, devs []vk.PhysicalDevice, def int) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "\t#\tname\ttype\tvendor\tdriver\tapi\tmemory heaps\tsubgroup\tfp16\tint8\t8-bit\t16-bit\tint dot\tsg arith")
	for i := range devs {
		d := &devs[i]
		mark := ""
		if i == def {
			mark = "*"
		}
		f := d.Features
		fmt.Fprintf(tw, "%s\t%d\t%s\t%v\t%s\t%s\t%v\t%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\n",
			mark, d.Index, d.Name, d.Type, d.Vendor(), driverString(d), d.APIVersion, heapsString(d.Heaps),
			d.Subgroup.Size, yesNo(f.Float16), yesNo(f.Int8), yesNo(f.Storage8Bit), yesNo(f.Storage16Bit),
			yesNo(f.IntegerDotProduct), yesNo(f.SubgroupArithmetic))
	}
	return tw.Flush()
}

func driverString(d *vk.PhysicalDevice) string {
	name := d.DriverName
	if name == "" {
		name = "driver"
	}
	s := name + " " + d.DriverVersionString()
	if d.DriverInfo != "" {
		s += " (" + d.DriverInfo + ")"
	}
	return s
}

func heapsString(hs []vk.MemoryHeap) string {
	parts := make([]string, len(hs))
	for i, h := range hs {
		parts[i] = fmt.Sprintf("%.1f GiB", float64(h.Size)/(1<<30))
		if h.DeviceLocal {
			parts[i] += " local"
		}
	}
	return strings.Join(parts, ", ")
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
