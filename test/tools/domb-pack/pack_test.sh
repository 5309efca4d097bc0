#!/bin/sh
# domb-pack end to end: a bad config gives exit status 1 and "file:line:
# message"; good configs pack into an archive that --list reads back;
# devices get their driver domain at pack time, and every backend problem
# is reported at the device's line; kernels are checked with the builder's
# code; a control domain's platform configs are checked at pack time.
# Usage: pack_test.sh DOMB_PACK WORKDIR KERNEL (KERNEL: a real PV/PVH guest image)
set -u
PACK=$1
DIR=$2
KERNEL=$3
fail() { echo "FAIL: $*"; exit 1; }

rm -rf "$DIR" && mkdir -p "$DIR/vms" "$DIR/img" || fail "cannot make $DIR"
cd "$DIR" || fail "cannot enter $DIR"
cp "$KERNEL" img/one.elf || fail "no kernel image $KERNEL"
cp "$KERNEL" img/same.elf                 # same content: stored once
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
grep -q "1. web: memory 64 MiB (max 64), vcpus 1, domid any, type pv" list.txt \
    || fail "web line missing"
grep -qx "     on_poweroff destroy, on_reboot restart, on_crash destroy, on_watchdog destroy, on_soft_reset destroy" list.txt \
    || fail "lifecycle line missing: $(cat list.txt)"
grep -q "ramdisk domb/images/rd.img (7 bytes)" list.txt || fail "ramdisk line missing"
grep -q "2. db: memory 32 MiB (max 32), vcpus 2" list.txt || fail "db line missing"
[ "$(grep -c '^  domb/images/' list.txt)" -eq 2 ] || fail "images not deduplicated: $(cat list.txt)"
# Issue 15: the dom0 memory the archive needs, said by --check and recorded
# (--list reads it back), at least Xen's dom0 builder's power-of-two chunk.
mib=$(sed -n 's/^domb-pack: dom0 memory: \([0-9]*\) MiB (builder kernel .*: dom0_mem=\1M,max:\1M$/\1/p' out.txt)
[ -n "$mib" ] && [ "$mib" -ge 32 ] || fail "--check says no dom0 memory: $(cat out.txt)"
grep -qx "dom0 memory: $mib MiB (recorded by domb-pack: dom0_mem=${mib}M,max:${mib}M)" list.txt \
    || fail "recorded dom0 memory missing: $(cat list.txt)"
"$PACK" --check --builder /nonexistent vms/web.cfg > out.txt || fail "--check --builder failed"
grep -q "builder kernel 32768 KiB (guessed: no builder ELF read)" out.txt \
    || fail "no guess for a missing builder: $(cat out.txt)"
# The archive is plain newc: GNU cpio (when installed) lists the same members.
if command -v cpio > /dev/null; then
    cpio -it < good.cpio 2> /dev/null | grep -qx "domb/specs/db.spec" || fail "cpio cannot read it"
fi
# Packing is reproducible.
"$PACK" -o again.cpio --mode sequenced --when-done stay --no-relay vms/web.cfg vms/db.cfg
cmp -s good.cpio again.cpio || fail "packing is not reproducible"

# Catalog images (--image) are stored as domb/images/<base name>, even when
# their bytes equal an image stored under another name.
mkdir -p cat && cp img/one.elf cat/web.elf && cp img/one.elf cat/db.elf
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
grep -q "1. pvh: memory 32 MiB (max 32), vcpus 1, domid any, type pvh" list.txt \
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
grep -qx 'vms/hvm.cfg:2: HVM guests need a device model (QEMU), which domB does not run: use type = "pvh"' err.txt \
    || fail "HVM message: $(cat err.txt)"

# Devices: backends resolve to the archive's driver domain at pack time.
cat > vms/dd.cfg <<CFG
name = "dd"
kernel = "../img/one.elf"
memory = 64
driver_domain = 1
CFG
cat > vms/dd2.cfg <<CFG
name = "dd2"
kernel = "../img/one.elf"
memory = 64
driver_domain = 1
CFG
cat > vms/webdev.cfg <<CFG
name = "web"
kernel = "../img/one.elf"
memory = 64
vif = [ '', 'mac=00:16:3e:01:02:03,bridge=xenbr1,vifname=web1,ip=10.0.0.2' ]
disk = [ 'phy:/srv/web.img,xvda,w', '/srv/boot.iso,,hdc,cdrom' ]
CFG
cat > vms/dbdev.cfg <<CFG
name = "db"
kernel = "../img/one.elf"
memory = 32
disk = [ 'vdev=xvdb, access=ro, target=/srv/db.img', ]
vif = [ 'backend=dd2' ]
CFG
"$PACK" -o dev.cpio vms/dd.cfg vms/webdev.cfg > /dev/null 2> err.txt || fail "packing devices failed: $(cat err.txt)"
"$PACK" --list dev.cpio > list.txt || fail "--list of the device archive failed: $(cat list.txt)"
grep -qx "     driver domain (serves other VMs' devices)" list.txt || fail "driver domain line: $(cat list.txt)"
grep -qx "     vif 0: mac 00:16:3e:6e:02:e5, bridge xenbr0, backend dd" list.txt \
    || fail "default vif line: $(cat list.txt)"
grep -qx "     vif 1: mac 00:16:3e:01:02:03, bridge xenbr1, vifname web1, ip 10.0.0.2, backend dd" list.txt \
    || fail "vif 1 line: $(cat list.txt)"
grep -qx "     disk xvda: /srv/web.img rw, backend dd" list.txt || fail "disk line: $(cat list.txt)"
grep -qx "     disk hdc: /srv/boot.iso ro cdrom, backend dd" list.txt || fail "cdrom line: $(cat list.txt)"
"$PACK" --check vms/dd.cfg vms/webdev.cfg > out.txt || fail "--check with devices failed"
grep -qx "domb-pack: 2 config(s) OK" out.txt || fail "--check output: $(cat out.txt)"
# backend= names another driver domain; --driver-domain picks the default among two.
"$PACK" -o dev2.cpio --driver-domain dd2 vms/dd.cfg vms/dd2.cfg vms/webdev.cfg vms/dbdev.cfg \
    > /dev/null 2> err.txt || fail "--driver-domain dd2 failed: $(cat err.txt)"
"$PACK" --list dev2.cpio > list.txt || fail "--list dev2: $(cat list.txt)"
grep -qx "     disk xvdb: /srv/db.img ro, backend dd2" list.txt || fail "dd2 disk: $(cat list.txt)"
grep -qx "     vif 0: mac 00:16:3e:6e:02:e5, bridge xenbr0, backend dd2" list.txt \
    || fail "dd2 vif: $(cat list.txt)"
# Every resolution problem names the file, the line, the device and why.
expect_err() { # expected-message pack-args...
    want=$1; shift
    "$PACK" "$@" > /dev/null 2> err.txt
    [ $? -eq 1 ] || fail "expected exit status 1 from: $*"
    grep -qxF -- "$want" err.txt || fail "expected '$want', got: $(cat err.txt)"
}
expect_err "vms/webdev.cfg:4: vif 0 has no backend= and the archive has no driver domain (a VM with driver_domain = 1)" \
    --check vms/webdev.cfg
expect_err "vms/webdev.cfg:5: disk hdc has no backend= and the archive has no driver domain (a VM with driver_domain = 1)" \
    --check vms/webdev.cfg
expect_err "vms/webdev.cfg:4: vif 0 has no backend= and the archive has 2 driver domains (dd, dd2): name one with backend= or --driver-domain" \
    -o x.cpio vms/dd.cfg vms/dd2.cfg vms/webdev.cfg
[ ! -e x.cpio ] || fail "an archive was written despite backend errors"
expect_err "vms/dbdev.cfg:5: vif 0: backend 'dd2' is not a VM of this archive" \
    --check vms/dd.cfg vms/dbdev.cfg
sed 's/backend=dd2/backend=db/' vms/dbdev.cfg > vms/dbself.cfg
expect_err "vms/dbself.cfg:5: vif 0: backend 'db' is this VM itself; a device needs another VM (a driver domain) as its backend" \
    --check vms/dd.cfg vms/dbself.cfg
sed 's/backend=dd2/backend=web/' vms/dbdev.cfg > vms/dbweb.cfg
expect_err "vms/dbweb.cfg:5: vif 0: backend 'web' (vms/webdev.cfg) is not a driver domain (it does not set driver_domain = 1)" \
    --check vms/dd.cfg vms/webdev.cfg vms/dbweb.cfg
cat > vms/ddself.cfg <<CFG
name = "dd"
kernel = "../img/one.elf"
memory = 64
driver_domain = 1
disk = [ '/srv/dd.img,,xvda' ]
CFG
expect_err "vms/ddself.cfg:5: disk xvda has no backend=, and the archive's driver domain is 'dd', this VM itself; a driver domain cannot back its own devices" \
    --check vms/ddself.cfg vms/webdev.cfg
"$PACK" --check vms/ddself.cfg vms/dd2.cfg --driver-domain dd2 > /dev/null 2> err.txt \
    || fail "a driver domain backed by another failed: $(cat err.txt)"
expect_err "domb-pack: --driver-domain 'nope' is not a VM of this archive" \
    --check --driver-domain nope vms/dd.cfg vms/webdev.cfg
expect_err "vms/db.cfg: --driver-domain 'db': this config does not set driver_domain = 1" \
    --check --driver-domain db vms/dd.cfg vms/db.cfg
sed 's/name = "db"/name = "db2"/; s/vif = .*/vif = [ "mac=00:16:3e:01:02:03" ]/' vms/dbdev.cfg > vms/dbmac.cfg
expect_err "vms/dbmac.cfg:5: vif 0: mac 00:16:3e:01:02:03 is also vif 1 of 'web' (vms/webdev.cfg)" \
    --check vms/dd.cfg vms/webdev.cfg vms/dbmac.cfg
# A config error in a device: the parser's message, at its line.
printf 'name = "q"\nkernel = "../img/one.elf"\nmemory = 8\ndisk = [ "/srv/q.qcow2,qcow2,xvda" ]\n' > vms/qcow.cfg
expect_err "vms/qcow.cfg:4: disk 0: format qcow2 is not supported: blkback serves raw images only" \
    --check vms/dd.cfg vms/qcow.cfg

# Kernels are parsed with the builder's code at pack time: a file that would
# fail at boot is refused, naming the file and why; a directory says so.
printf 'This is not an ELF kernel: 40 bytes long' > img/text.elf
printf 'name = "t"\nkernel = "../img/text.elf"\nmemory = 16\n' > vms/text.cfg
expect_err "vms/text.cfg:2: kernel 'vms/../img/text.elf' cannot boot as a pv guest: image is 40 bytes, shorter than the 52-byte ELF header (a Xen ELF or a Linux bzImage is needed: docs/linux-guests.md)" \
    -o text.cpio vms/text.cfg
[ ! -e text.cpio ] || fail "an archive was written for a kernel that cannot boot"
printf 'name = "t"\nkernel = "../img"\nmemory = 16\n' > vms/dir.cfg
expect_err "vms/dir.cfg:2: kernel 'vms/../img' is a directory: name the image file in it" \
    --check vms/dir.cfg
# --no-kernel-check packs it anyway (to test the builder's own refusal), and
# --list flags it.
"$PACK" -o text.cpio --no-kernel-check vms/text.cfg > /dev/null || fail "--no-kernel-check failed"
"$PACK" --list text.cpio > list.txt
[ $? -eq 1 ] || fail "--list of a kernel that cannot boot: expected exit status 1"
grep -q "kernel domb/images/text.elf (40 bytes, unknown): WOULD NOT BOOT: image is 40 bytes, shorter than the 52-byte ELF header" list.txt \
    || fail "--list kernel flag: $(cat list.txt)"

# xl's lifecycle, uuid, maxvcpus and cpus reach the archive (a version 4 spec).
cat > vms/xl.cfg <<CFG
name = "xl"
kernel = "../img/one.elf"
memory = "64"
vcpus = 2
maxvcpus = 4
cpus = "0-3,^2"
uuid = "4dea22b3-1d52-d8f3-2516-782e98a23fa0"
on_crash = "preserve"
on_poweroff = 'restart'
root = "/dev/xvda1 ro"
extra = "console=hvc0"
extra += " quiet"
CFG
"$PACK" -o xl.cpio vms/xl.cfg > /dev/null 2> err.txt || fail "packing xl keys failed: $(cat err.txt)"
"$PACK" --list xl.cpio > list.txt || fail "--list xl.cpio failed: $(cat list.txt)"
grep -qx "     on_poweroff restart, on_reboot restart, on_crash preserve, on_watchdog destroy, on_soft_reset destroy" list.txt \
    || fail "xl lifecycle line: $(cat list.txt)"
grep -qx "     uuid 4dea22b3-1d52-d8f3-2516-782e98a23fa0" list.txt || fail "uuid line: $(cat list.txt)"
grep -qx "     maxvcpus 4 (vCPUs 2-3 start offline)" list.txt || fail "maxvcpus line: $(cat list.txt)"
grep -qx "     cpus 0-1,3" list.txt || fail "cpus line: $(cat list.txt)"
grep -qx '     cmdline "root=/dev/xvda1 ro console=hvc0 quiet"' list.txt || fail "cmdline: $(cat list.txt)"
grep -q "domb/specs/xl.spec *3968" list.txt || fail "not a version 4 spec: $(cat list.txt)"

# A control domain's platform (its ramdisk, a CPIO of configs) is parsed
# and checked at pack time: a typo is reported as the file inside it.
mkdir -p plat && cp img/one.elf plat/hello
printf 'name = "p-ok"\nkernel = "hello"\nmemory = 16\n' > plat/1-ok.cfg
( cd plat && ls 1-ok.cfg | cpio -o -H newc --quiet > ../img/platform.cpio ) || fail "cpio"
printf 'name = "control"\nkernel = "../img/one.elf"\nramdisk = "../img/platform.cpio"\nmemory = 16\ndb_client = 1\n' > vms/control.cfg
"$PACK" -o srv.cpio --image plat/hello vms/control.cfg > out.txt 2> err.txt \
    || fail "a good platform failed: $(cat err.txt)"
grep -qx "domb-pack: vm 'control': platform ../img/platform.cpio: 1 config(s) OK" out.txt \
    || fail "platform OK line: $(cat out.txt)"
printf 'name = "p-typo"\nkernel = "hello"\nmemroy = 16\n' > plat/2-typo.cfg
printf 'name = "p-far"\nkernel = "nowhere.elf"\nmemory = 16\n' > plat/3-far.cfg
( cd plat && ls *.cfg | cpio -o -H newc --quiet > ../img/platform.cpio ) || fail "cpio"
"$PACK" -o srv.cpio --image plat/hello vms/control.cfg > /dev/null 2> err.txt
[ $? -eq 1 ] || fail "a broken platform: expected exit status 1"
grep -qxF "../img/platform.cpio:2-typo.cfg:3: unknown key 'memroy': did you mean 'memory'?" err.txt \
    || fail "platform typo message: $(cat err.txt)"
grep -qxF "../img/platform.cpio:3-far.cfg:2: kernel 'nowhere.elf' is not in db-server's catalog: add --image nowhere.elf to domb-pack" err.txt \
    || fail "platform catalog message: $(cat err.txt)"

# db_builder = 1 (db-server as an ordinary domain): listed, and only one
# per archive, since db-boot hands it VIRQ_DOM_EXC.
printf 'name = "dbs"\nkernel = "../img/one.elf"\nmemory = 64\ndb_builder = 1\n' > vms/dbs.cfg
printf 'name = "dbs2"\nkernel = "../img/one.elf"\nmemory = 64\n\ndb_builder = 1\n' > vms/dbs2.cfg
"$PACK" -o builder.cpio vms/dbs.cfg > /dev/null 2> err.txt || fail "a builder VM: $(cat err.txt)"
"$PACK" --list builder.cpio > list.txt || fail "--list builder: $(cat list.txt)"
grep -qx "     domain builder (db_builder: db-boot gives it VIRQ_DOM_EXC)" list.txt \
    || fail "builder line: $(cat list.txt)"
expect_err "vms/dbs2.cfg:5: db_builder = 1, but 'dbs' (vms/dbs.cfg) is this archive's domain builder already: db-boot gives VIRQ_DOM_EXC to one domain (Xen has one handler)" \
    --check vms/dbs.cfg vms/dbs2.cfg

# A damaged archive makes --list fail.
head -c 1000 good.cpio > cut.cpio
"$PACK" --list cut.cpio > /dev/null 2> err.txt
[ $? -eq 1 ] || fail "--list of a cut archive: expected exit status 1"
grep -q "runs beyond the end of the archive" err.txt || fail "cut archive message: $(cat err.txt)"
echo "PASS"
