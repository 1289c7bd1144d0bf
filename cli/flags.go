package cli

import "github.com/urfave/cli/v2"

// backendFlags are the --device and --kv-type flags of the commands that
// run a model (run, serve, bench): one wording, one default rule
// (engine.UseEngine and engine.KVType read them).
func backendFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "device", Usage: "cpu, or a Vulkan device: index, type (discrete, integrated, cpu) or name substring " +
			"(default: the Vulkan engine when a GPU exists, else cpu)"},
		&cli.StringFlag{Name: "kv-type", Usage: "KV cache type: f32, f16, int8 (default: int8 on a Vulkan device, f32 on cpu)"},
	}
}
