#!/bin/sh
# domb-iso --xen and --flask-policy: the ISO's GRUB menu boots the given
# hypervisor, loads the policy as a module after the initramfs and adds
# flask=enforcing to Xen's command line unless it already says flask=;
# a missing policy file is refused by name.
set -eu
iso_tool=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
fail=0
printf 'my xen' >xen.gz
printf 'policy' >pol
printf 'kernel' >kern
printf '070701' >initrd.cpio

# menu ARGS...: make an ISO, print its grub.cfg
menu() {
    "$iso_tool" --kernel kern --xen xen.gz --initrd initrd.cpio -o t.iso "$@" >/dev/null
    rm -f g.cfg xen.out
    xorriso -osirrox on -indev t.iso -extract /boot/grub/grub.cfg g.cfg \
        -extract /boot/xen.gz xen.out >/dev/null 2>&1
    cmp -s xen.gz xen.out || { echo "flask_test: the ISO's xen.gz is not --xen's"; fail=1; }
    cat g.cfg
}
check() { # NAME TEXT (grep -F in $out); '!' TEXT for absence
    if [ "$2" = "!" ]; then
        ! printf '%s\n' "$out" | grep -qF -- "$3" || { echo "flask_test: $1: has '$3'"; fail=1; }
    else
        printf '%s\n' "$out" | grep -qF -- "$2" || { echo "flask_test: $1: no '$2' in:"; echo "$out"; fail=1; }
    fi
}

out=$(menu --flask-policy pol)
check policy "dom0_max_vcpus=1 flask=enforcing"
# the policy module right after the initramfs (dom0's ramdisk stays the
# first module after the kernel)
order=$(printf '%s\n' "$out" | grep -o 'module2 /boot/[a-z.]*' | tr '\n' ' ')
[ "$order" = "module2 /boot/kernel module2 /boot/initrd.cpio module2 /boot/xenpolicy " ] ||
    { echo "flask_test: module order: $order"; fail=1; }
out=$(menu --flask-policy pol --xen-extra "flask=permissive")
check extra "flask=permissive"
check extra ! "flask=enforcing"
out=$(menu --flask-policy pol --xen-cmdline "console=com1 flask=late")
check cmdline "multiboot2 /boot/xen.gz console=com1 flask=late"
check cmdline ! "flask=enforcing"
out=$(menu)
check none ! "flask="
check none ! "xenpolicy"
if "$iso_tool" --kernel kern --xen xen.gz --flask-policy nope -o t.iso >err 2>&1; then
    echo "flask_test: a missing policy was accepted"
    fail=1
else
    grep -qF "domb-iso: nope: no such file" err || { echo "flask_test: missing policy:"; cat err; fail=1; }
fi
[ "$fail" = 0 ] && echo "flask_test: PASS"
exit "$fail"
