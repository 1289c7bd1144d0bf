// Command vkllm runs GGUF language models on any Vulkan device or on the CPU.
package main

import (
	"fmt"
	"os"

	"github.com/vkllm/vkllm/cli"
)

func main() {
	if err := cli.Main(os.Args); err != nil {
		fmt.Fprintln(os.Stderr, "vkllm:", err)
		os.Exit(1)
	}
}
