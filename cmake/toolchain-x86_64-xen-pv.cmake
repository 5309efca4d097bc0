# Toolchain for domB's freestanding x86_64 Xen PV images (kernels and test guests).
#
# The target is the same architecture as the host, so Debian's GNU gcc and
# binutils serve as the cross compiler; what makes it a different target is
# the environment: no libc, no start files, no red zone (a PV kernel takes
# events on the current stack), no SSE (we never save vector state), no PIC
# (the image is linked at a fixed virtual address by our own linker script).
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(CMAKE_C_COMPILER gcc)
set(CMAKE_ASM_COMPILER gcc)
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

set(DOMB_FREESTANDING ON CACHE BOOL "Building the freestanding PV images" FORCE)

set(DOMB_FREESTANDING_FLAGS
    "-ffreestanding -nostdlib -fno-pic -fno-pie -mno-red-zone -mno-sse -mno-sse2 -mno-mmx -mno-80387 -mno-avx -fno-stack-protector -fno-builtin -mcmodel=kernel -fno-asynchronous-unwind-tables -fno-omit-frame-pointer")
set(CMAKE_C_FLAGS_INIT "${DOMB_FREESTANDING_FLAGS}")
set(CMAKE_ASM_FLAGS_INIT "${DOMB_FREESTANDING_FLAGS}")
set(CMAKE_EXE_LINKER_FLAGS_INIT "-nostdlib -static -no-pie -Wl,--build-id=none -Wl,-z,max-page-size=0x1000 -Wl,-z,noexecstack")
