#!/usr/bin/env bash
# Installs the system packages vkllm's build and tests need (Debian/Ubuntu):
# the Vulkan loader and headers, Mesa's drivers (lavapipe for CPU-only
# machines), the shader compiler and validator, and the Khronos validation
# layer. Does nothing when they are all present.
set -euo pipefail
pkgs=(mesa-vulkan-drivers libvulkan-dev glslc spirv-tools vulkan-tools vulkan-validationlayers
  # examples/desktop: GLFW's X11 build dependencies, and Xvfb for its screenshot test
  libx11-dev libxcursor-dev libxrandr-dev libxinerama-dev libxi-dev libxxf86vm-dev libgl-dev xvfb xauth)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null; then
  echo "setup: please install: ${missing[*]}" >&2
  exit 1
fi
sudo=""
[ "$(id -u)" -ne 0 ] && sudo=sudo
echo "setup: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
