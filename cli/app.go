package cli

import (
	"github.com/urfave/cli/v2"
)

// commands lists every subcommand; each file in this package adds its own
// through an init-free constructor listed here.
func commands() []*cli.Command {
	return []*cli.Command{
		synthCommand(),
		runCommand(),
		selftestCommand(),
		inspectCommand(),
		tokenizeCommand(),
		pullCommand(), listCommand(), rmCommand(),
		devicesCommand(),
		kvCommand(),
		serveCommand(),
		benchCommand(),
	}
}

// Main runs the vkllm command line with the given arguments (os.Args).
func Main(args []string) error {
	app := &cli.App{
		Name:     "vkllm",
		Usage:    "portable LLM inference on Vulkan",
		Commands: commands(),
	}
	return app.Run(args)
}
