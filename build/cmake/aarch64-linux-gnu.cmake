# CMake toolchain file: ELMA's native library for 64-bit ARM Linux (a Jetson), cross-compiled on
# an x86-64 Debian/Ubuntu machine (docs/image.md, "Building"). Used by `elma build image --arch arm64`:
#   cmake -S . -B <dir> -DCMAKE_TOOLCHAIN_FILE=build/cmake/aarch64-linux-gnu.cmake -DELMA_NATIVE_ARCH=OFF
# The compiler is Debian's gcc-aarch64-linux-gnu; ELMA_CROSS_CC (environment) names another one.
# Libraries and headers for the target come from Debian's multiarch tree, which is this
# toolchain's sysroot: `dpkg --add-architecture arm64 && apt-get install libopenblas-dev:arm64`
# puts cblas.h in /usr/include/aarch64-linux-gnu and libopenblas.so in /usr/lib/aarch64-linux-gnu
# (Debian's MultiarchSpec), where find_path/find_library look first once
# CMAKE_LIBRARY_ARCHITECTURE is set.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)

if(DEFINED ENV{ELMA_CROSS_CC} AND NOT "$ENV{ELMA_CROSS_CC}" STREQUAL "")
  set(CMAKE_C_COMPILER "$ENV{ELMA_CROSS_CC}")
else()
  set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
endif()

# Only the target's directories: never let find_library pick up the build machine's x86-64
# libraries from /usr/lib/x86_64-linux-gnu (CMake would link them and fail late, or worse).
set(CMAKE_IGNORE_PATH /usr/lib/x86_64-linux-gnu /lib/x86_64-linux-gnu /usr/include/x86_64-linux-gnu)

# -march=armv8-a: the Jetson TX2's Cortex-A57 and Denver2 cores implement ARMv8.0-A; Xavier's
# Carmel and Orin's Cortex-A78AE implement ARMv8.2-A, a superset. AArch64 always has Advanced SIMD
# (NEON), so the kernels' `#pragma omp simd` loops still vectorise. Not -mcpu=native: this is not
# the machine that runs it (ELMA_NATIVE_ARCH must be OFF).
set(CMAKE_C_FLAGS_INIT "-march=armv8-a")

# `ctest` runs the cross-built C tests through qemu-user when it is installed (Debian qemu-user):
# the multiarch tree provides the arm64 loader (/lib/ld-linux-aarch64.so.1) and libraries.
find_program(ELMA_QEMU_AARCH64 qemu-aarch64)
if(ELMA_QEMU_AARCH64)
  set(CMAKE_CROSSCOMPILING_EMULATOR "${ELMA_QEMU_AARCH64}")
endif()
