#!/bin/sh
# domb-pack end to end: a bad config gives exit status 1 and "file:line:
# message"; good configs pack into an archive that --list reads back.
# Usage: pack_test.sh DOMB_PACK WORKDIR
set -u
PACK=$1
DIR=$2
fail() { echo "FAIL: $*"; exit 1; }

rm -rf "$DIR" && mkdir -p "$DIR/vms" "$DIR/img" || fail "cannot make $DIR"
cd "$DIR" || fail "cannot enter $DIR"
printf 'kernel-one' > img/one.elf
printf 'kernel-one' > img/same.elf        # same content: stored once
printf 'ramdisk' > img/rd.img
HASH=$(sha256sum img/rd.img | cut -d' ' -f1)

cat > vms/web.cfg <<CFG
# web server
name = "web"
kernel = "../img/one.elf"
ramdisk = "../img/rd.img"
ramdisk_sha256 = "$HASH"
memory = 64
cmdline = "console=hvc0"
CFG
cat > vms/db.cfg <<CFG
name = "db"
kernel = "../img/same.elf"
memory = 32
vcpus = 2
CFG
cat > vms/bad.cfg <<CFG
name = "bad"
kernel = "../img/one.elf"

memory = 0
CFG
cat > vms/missing.cfg <<CFG
name = "missing"
memory = 8
kernel = "../img/nowhere.elf"
CFG
cat > vms/hash.cfg <<CFG
name = "hash"
kernel = "../img/one.elf"
kernel_sha256 = "$HASH"
memory = 8
CFG

# A bad config: status 1 and the exact message, and no archive written.
"$PACK" -o bad.cpio vms/bad.cfg > out.txt 2> err.txt
[ $? -eq 1 ] || fail "bad config: expected exit status 1"
[ "$(cat err.txt)" = "vms/bad.cfg:4: memory must be a positive number of MiB, at most 1048576" ] \
    || fail "bad config message: $(cat err.txt)"
[ ! -e bad.cpio ] || fail "an archive was written for a bad config"

"$PACK" --check vms/missing.cfg 2> err.txt
[ $? -eq 1 ] || fail "missing kernel: expected exit status 1"
grep -qx "vms/missing.cfg:3: kernel 'vms/../img/nowhere.elf' cannot be read: No such file or directory" err.txt \
    || fail "missing kernel message: $(cat err.txt)"

"$PACK" --check vms/hash.cfg 2> err.txt
[ $? -eq 1 ] || fail "hash mismatch: expected exit status 1"
grep -q "^vms/hash.cfg:3: kernel_sha256 does not match 'vms/../img/one.elf' (its SHA-256 is " err.txt \
    || fail "hash mismatch message: $(cat err.txt)"

"$PACK" --check vms/web.cfg vms/web.cfg 2> err.txt
[ $? -eq 1 ] || fail "duplicate name: expected exit status 1"
grep -qx "vms/web.cfg:2: name 'web' is already used by vms/web.cfg" err.txt \
    || fail "duplicate name message: $(cat err.txt)"

# Good configs pack, and --list shows what is inside.
"$PACK" -o good.cpio --mode sequenced --when-done stay --no-relay vms/web.cfg vms/db.cfg \
    || fail "packing good configs failed"
"$PACK" --check vms/web.cfg vms/db.cfg > out.txt || fail "--check of good configs failed"
"$PACK" --list good.cpio > list.txt || fail "--list failed: $(cat list.txt)"
grep -q "manifest: mode sequenced, console relay off, when done stay, 2 VM(s)" list.txt \
    || fail "manifest line missing: $(cat list.txt)"
grep -q "1. web: memory 64 MiB (max 64), vcpus 1, domid any, on_exit destroy" list.txt \
    || fail "web line missing"
grep -q "ramdisk domb/images/rd.img (7 bytes)" list.txt || fail "ramdisk line missing"
grep -q "2. db: memory 32 MiB (max 32), vcpus 2" list.txt || fail "db line missing"
[ "$(grep -c '^  domb/images/' list.txt)" -eq 2 ] || fail "images not deduplicated: $(cat list.txt)"
# The archive is plain newc: GNU cpio (when installed) lists the same members.
if command -v cpio > /dev/null; then
    cpio -it < good.cpio 2> /dev/null | grep -qx "domb/specs/db.spec" || fail "cpio cannot read it"
fi
# Packing is reproducible.
"$PACK" -o again.cpio --mode sequenced --when-done stay --no-relay vms/web.cfg vms/db.cfg
cmp -s good.cpio again.cpio || fail "packing is not reproducible"

# Catalog images (--image) are stored as domb/images/<base name>, even when
# their bytes equal an image stored under another name.
mkdir -p cat && printf 'kernel-one' > cat/web.elf && printf 'kernel-one' > cat/db.elf
"$PACK" -o cat.cpio --image cat/web.elf --image cat/db.elf --image img/one.elf vms/web.cfg \
    || fail "packing catalog images failed"
cpio -it < cat.cpio 2> /dev/null > members.txt || fail "cpio cannot read cat.cpio"
for m in web.elf db.elf one.elf rd.img; do
    grep -qx "domb/images/$m" members.txt || fail "catalog member $m missing: $(cat members.txt)"
done
[ "$(grep -c '^domb/images/' members.txt)" -eq 4 ] || fail "catalog members: $(cat members.txt)"
# A catalog name already holding other bytes is an error naming both.
printf 'other' > cat/one.elf
"$PACK" -o clash.cpio --image cat/one.elf vms/web.cfg 2> err.txt
[ $? -eq 1 ] || fail "catalog name clash: expected exit status 1"
grep -qx "domb-pack: --image: 'cat/one.elf' would be catalog image 'domb/images/one.elf', but another image is already stored under that name" err.txt \
    || fail "catalog clash message: $(cat err.txt)"
"$PACK" -o none.cpio --image cat/nope.elf vms/web.cfg 2> err.txt
[ $? -eq 1 ] || fail "missing catalog image: expected exit status 1"
grep -qx "domb-pack: --image: image 'cat/nope.elf' cannot be read: No such file or directory" err.txt \
    || fail "missing catalog image message: $(cat err.txt)"

# Roles: checked by --check as when writing; a lone VM may be the control domain.
"$PACK" --check --control-last vms/web.cfg vms/db.cfg 2> err.txt
[ $? -eq 1 ] || fail "role without sequenced mode: expected exit status 1"
grep -qx "domb-pack: manifest: xenstore and control domain roles need sequenced mode" err.txt \
    || fail "role message: $(cat err.txt)"
"$PACK" --check --mode sequenced --xenstore-first --control-last vms/web.cfg 2> err.txt
[ $? -eq 1 ] || fail "two roles on one VM: expected exit status 1"
grep -qx "domb-pack: manifest: a xenstore domain and a control domain need two VMs" err.txt \
    || fail "two roles message: $(cat err.txt)"
"$PACK" --check --mode sequenced --control-last vms/web.cfg > /dev/null \
    || fail "a lone control domain was refused"

# PVH: the type and the grant limits reach the archive (a version 2 spec);
# device keys in a PVH config are refused at their line.
cat > vms/pvh.cfg <<CFG
name = "pvh"
type = "pvh"
kernel = "../img/one.elf"
memory = 32
max_grant_frames = 16
max_grant_version = 1
CFG
cat > vms/pvh-irq.cfg <<CFG
name = "pvhirq"
kernel = "../img/one.elf"
memory = 32
irqs = [ 5 ]
type = "pvh"
CFG
cat > vms/hvm.cfg <<CFG
name = "hvm"
builder = "hvm"
CFG
"$PACK" -o pvh.cpio vms/pvh.cfg vms/db.cfg > /dev/null || fail "packing a PVH config failed"
"$PACK" --list pvh.cpio > list.txt || fail "--list of the PVH archive failed: $(cat list.txt)"
grep -q "1. pvh: memory 32 MiB (max 32), vcpus 1, domid any, on_exit destroy, type pvh" list.txt \
    || fail "PVH line missing: $(cat list.txt)"
grep -q "grant table: max frames 16, max maptrack frames Xen's, max version 1" list.txt \
    || fail "grant table line missing: $(cat list.txt)"
grep -q "2. db: .*, type pv$" list.txt || fail "PV line missing: $(cat list.txt)"
"$PACK" --check vms/pvh-irq.cfg 2> err.txt
[ $? -eq 1 ] || fail "PVH with irqs: expected exit status 1"
grep -qx 'vms/pvh-irq.cfg:4: irqs does not apply to a PVH guest (type = "pvh" on line 5): domB passes devices through to PV guests only' err.txt \
    || fail "PVH irqs message: $(cat err.txt)"
"$PACK" --check vms/hvm.cfg 2> err.txt
[ $? -eq 1 ] || fail "HVM: expected exit status 1"
grep -qx 'vms/hvm.cfg:2: HVM guests are not supported: they need a device model (QEMU), which domB does not run; type = "pvh" is the alternative' err.txt \
    || fail "HVM message: $(cat err.txt)"

# A damaged archive makes --list fail.
head -c 1000 good.cpio > cut.cpio
"$PACK" --list cut.cpio > /dev/null 2> err.txt
[ $? -eq 1 ] || fail "--list of a cut archive: expected exit status 1"
grep -q "runs beyond the end of the archive" err.txt || fail "cut archive message: $(cat err.txt)"
echo "PASS"
