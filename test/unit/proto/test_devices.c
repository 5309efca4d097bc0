/*
 * xl's vif, disk, driver_domain and db_client_max_devices keys: every form of
 * xl-network-configuration(5) and xl-disk-configuration(5) domB takes, every
 * refusal with its exact message, default MACs and libxl's vdev numbers.
 */
#include "domb_test.h"

#include <domb/errno.h>
#include <proto/config.h>
#include <proto/spec.h>
#include <stdio.h>
#include <string.h>

#define BASE "name = \"web\"\nkernel = \"web.elf\"\nmemory = 128\n"

static struct vm_config cfg;
static char text[4096];

static void parse_ok(const char *t)
{
    struct domb_error err;

    if (config_parse(t, strlen(t), "web.cfg", &cfg, NULL, &err) != 0)
        fail_msg("unexpected error: %s (in %s)", err.msg, t);
}

static void parse_fails(const char *t, const char *expect)
{
    struct domb_error err;

    if (config_parse(t, strlen(t), "web.cfg", &cfg, NULL, &err) == 0)
        fail_msg("parsed, but expected: %s (in %s)", expect, t);
    assert_int_equal(err.code, -XEN_EINVAL);
    assert_string_equal(err.msg, expect);
}

/* BASE plus `key = [ 'item' ]` on line 4. */
static const char *one(const char *key, const char *item)
{
    snprintf(text, sizeof(text), BASE "%s = [ '%s' ]\n", key, item);
    return text;
}

static void vif_ok(const char *item)
{
    parse_ok(one("vif", item));
    assert_int_equal(cfg.nr_devices, 1);
    assert_int_equal(cfg.devices[0].kind, VM_DEVICE_VIF);
}

static void vif_fails(const char *item, const char *expect)
{
    char msg[256];

    snprintf(msg, sizeof(msg), "web.cfg:4: vif 0: %s", expect);
    parse_fails(one("vif", item), msg);
}

static const struct vm_disk *disk_ok(const char *item)
{
    parse_ok(one("disk", item));
    assert_int_equal(cfg.nr_devices, 1);
    assert_int_equal(cfg.devices[0].kind, VM_DEVICE_VBD);
    assert_int_equal(cfg.devices[0].devid, cfg.devices[0].disk.virtual_device);
    return &cfg.devices[0].disk;
}

static void disk_is(const char *item, const char *target, const char *vdev, bool writable,
                    bool cdrom, const char *backend)
{
    const struct vm_disk *d = disk_ok(item);

    if (strcmp(d->target, target) || strcmp(d->vdev, vdev) || d->writable != writable ||
        d->cdrom != cdrom || strcmp(cfg.devices[0].backend, backend) ||
        d->format != VM_DISK_FORMAT_RAW)
        fail_msg("'%s' gave target '%s' vdev '%s' writable %d cdrom %d backend '%s'", item,
                 d->target, d->vdev, d->writable, d->cdrom, cfg.devices[0].backend);
}

static void disk_fails(const char *item, const char *expect)
{
    char msg[256];

    snprintf(msg, sizeof(msg), "web.cfg:4: disk 0: %s", expect);
    parse_fails(one("disk", item), msg);
}

/* ---- vif ---- */

static void vif_full_spec(void **state)
{
    const struct vm_device *d;

    vif_ok("mac=00:16:3e:01:02:03,bridge=xenbr0,backend=dd,vifname=web0,script=vif-bridge,"
           "ip=10.0.0.2,type=vif");
    d = &cfg.devices[0];
    assert_int_equal(d->devid, 0);
    assert_memory_equal(d->vif.mac, "\x00\x16\x3e\x01\x02\x03", 6);
    assert_string_equal(d->vif.bridge, "xenbr0");
    assert_string_equal(d->backend, "dd");
    assert_string_equal(d->vif.vifname, "web0");
    assert_string_equal(d->vif.script, "vif-bridge");
    assert_string_equal(d->vif.ip, "10.0.0.2");
    /* The man page's forms: upper-case hex, one-digit groups, blanks after commas. */
    vif_ok("mac=00:16:3E:74:3d:76, bridge=xenbr1,  script=/etc/xen/scripts/vif-nat");
    assert_memory_equal(cfg.devices[0].vif.mac, "\x00\x16\x3e\x74\x3d\x76", 6);
    assert_string_equal(cfg.devices[0].vif.bridge, "xenbr1");
    assert_string_equal(cfg.devices[0].vif.script, "/etc/xen/scripts/vif-nat");
    vif_ok("mac=2:0:0:a:b:c");
    assert_memory_equal(cfg.devices[0].vif.mac, "\x02\x00\x00\x0a\x0b\x0c", 6);
    /* Empty parameters vanish, as with xl's strtok. */
    vif_ok(",bridge=br-lan,,");
    assert_string_equal(cfg.devices[0].vif.bridge, "br-lan");
    vif_ok("ip=fe80::1/64");
    assert_string_equal(cfg.devices[0].vif.ip, "fe80::1/64");
    vif_ok("ip=192.168.1.20/24");
}

static void vif_defaults(void **state)
{
    const struct vm_device *d;

    parse_ok(BASE "vif = [ '', 'bridge=xenbr1' ]\n");
    assert_int_equal(cfg.nr_devices, 2);
    d = &cfg.devices[0];
    assert_int_equal(d->kind, VM_DEVICE_VIF);
    assert_int_equal(d->devid, 0);
    assert_string_equal(d->vif.bridge, "xenbr0");
    assert_string_equal(d->vif.script, "vif-bridge");
    assert_string_equal(d->vif.vifname, "");
    assert_string_equal(d->vif.ip, "");
    assert_string_equal(d->backend, ""); /* domb-pack names the driver domain */
    /* 00:16:3e + SHA-256("web/0")[0..2], top bit of byte 3 clear. */
    assert_memory_equal(d->vif.mac, "\x00\x16\x3e\x6e\x02\xe5", 6);
    d = &cfg.devices[1];
    assert_int_equal(d->devid, 1);
    assert_memory_equal(d->vif.mac, "\x00\x16\x3e\x1f\x01\xda", 6);
    /* Stable: the name and the index decide, wherever name is in the file. */
    parse_ok("vif = [ '' ]\nkernel = \"k\"\nmemory = 8\nname = \"db\"\n");
    assert_memory_equal(cfg.devices[0].vif.mac, "\x00\x16\x3e\x21\xa6\xfa", 6);
    parse_ok("name = \"db\"\nvif = [ 'script=vif-route' ]\nkernel = \"k\"\nmemory = 8\n");
    assert_memory_equal(cfg.devices[0].vif.mac, "\x00\x16\x3e\x21\xa6\xfa", 6);
    parse_ok(BASE "vif = []\n");
    assert_int_equal(cfg.nr_devices, 0);
}

static void vif_default_mac_function(void **state)
{
    uint8_t a[6], b[6];

    for (uint32_t i = 0; i < 64; i++) {
        vm_vif_default_mac("web", i, a);
        vm_vif_default_mac("web", i, b);
        assert_memory_equal(a, b, 6);
        assert_memory_equal(a, "\x00\x16\x3e", 3);
        assert_true(a[3] < 0x80);
        vm_vif_default_mac("web2", i, b);
        assert_memory_not_equal(a, b, 6);
    }
    vm_vif_default_mac("web", 0, a);
    vm_vif_default_mac("web", 1, b);
    assert_memory_not_equal(a, b, 6);
}

static void vif_refused_keys(void **state)
{
    vif_fails("model=e1000",
              "model is not supported: it picks the emulated NIC of an HVM guest; domB guests "
              "get PV vifs only");
    vif_fails("bridge=xenbr0,rate=10Mb/s",
              "rate is not supported: domB sets no rate limit on vifs");
    vif_fails("gatewaydev=eth0",
              "gatewaydev is not supported: domB passes no gateway device to the hotplug script");
    vif_fails("netdev=eth0",
              "netdev is not supported: domB passes no gateway device to the hotplug script");
    vif_fails("devid=3", "devid is not supported: vifs are numbered 0, 1, ... in list order");
    vif_fails("mtu=9000", "mtu is not supported: domB leaves the MTU to the bridge");
    vif_fails("accel=x", "accel is not supported: xl does not support it either");
    vif_fails("forwarddev=eth1", "forwarddev is not supported: COLO is not supported");
    vif_fails("colo_sock_mirror_id=1",
              "colo_sock_mirror_id is not supported: COLO is not supported");
    vif_fails("trusted", "trusted is not supported: domB writes no trust advice for the frontend");
    vif_fails("untrusted",
              "untrusted is not supported: domB writes no trust advice for the frontend");
    vif_fails("type=ioemu", "type=ioemu (an emulated NIC) needs a device model; domB guests get "
                            "PV vifs only (type=vif)");
    vif_fails("type=tap", "type 'tap' is unknown; the one type domB has is vif");
}

static void vif_bad_values(void **state)
{
    vif_fails("colour=blue", "'colour' is not a vif parameter xl or domB knows");
    vif_fails("xenbr0",
              "'xenbr0' is not KEY=VALUE (mac, bridge, vifname, script, ip, backend, type)");
    vif_fails("bridge=a, ,ip=1.2.3.4", "a parameter is empty (only blanks between commas)");
    vif_fails("bridge=a,bridge=b", "bridge is given twice");
    vif_fails("bridge=", "bridge= has no value");
    vif_fails("ip=", "ip= has no value");
    vif_fails("mac=00:16:3e:01:02", "mac '00:16:3e:01:02' is not six hex bytes like "
                                    "00:16:3e:01:02:03");
    vif_fails("mac=00:16:3e:01:02:03:04", "mac '00:16:3e:01:02:03:04' is not six hex bytes like "
                                          "00:16:3e:01:02:03");
    vif_fails("mac=00-16-3e-01-02-03", "mac '00-16-3e-01-02-03' is not six hex bytes like "
                                       "00:16:3e:01:02:03");
    vif_fails("mac=000:16:3e:01:02:03", "mac '000:16:3e:01:02:03' is not six hex bytes like "
                                        "00:16:3e:01:02:03");
    vif_fails("mac=0g:16:3e:01:02:03", "mac '0g:16:3e:01:02:03' is not six hex bytes like "
                                       "00:16:3e:01:02:03");
    vif_fails("mac=01:16:3e:01:02:03", "mac 01:16:3e:01:02:03 is a multicast address (the low "
                                       "bit of the first byte is set)");
    vif_fails("mac=ff:ff:ff:ff:ff:ff", "mac ff:ff:ff:ff:ff:ff is a multicast address (the low "
                                       "bit of the first byte is set)");
    vif_fails("mac=0:0:0:0:0:0", "mac 00:00:00:00:00:00 is not an address");
    vif_fails("bridge=a-very-long-bridge", "bridge is longer than 15 characters");
    vif_fails("bridge=br:0", "bridge 'br:0' is not an interface name (no '/', ':', blanks or "
                             "control bytes)");
    vif_fails("bridge=br 0", "bridge 'br 0' is not an interface name (no '/', ':', blanks or "
                             "control bytes)");
    vif_fails("vifname=.", "vifname '.' is not an interface name");
    vif_fails("vifname=web/0", "vifname 'web/0' is not an interface name (no '/', ':', blanks "
                               "or control bytes)");
    vif_fails("script=vif-bridge;reboot", "script 'vif-bridge;reboot' may only hold letters, "
                                          "digits, '_', '.', '+', '-' and '/'");
    vif_fails("script=/etc/xen/scripts/a-much-longer-hotplug-script", "script is longer than 43 "
                                                                      "characters");
    vif_fails("ip=10.0.0", "ip '10.0.0' is not one IPv4 or IPv6 address (with an optional "
                           "/prefix)");
    vif_fails("ip=10.0.0.1/33", "ip '10.0.0.1/33' is not one IPv4 or IPv6 address (with an "
                                "optional /prefix)");
    vif_fails("ip=10.0.0.1 10.0.0.2", "ip '10.0.0.1 10.0.0.2' is not one IPv4 or IPv6 address "
                                      "(with an optional /prefix)");
    vif_fails("ip=fe80:1", "ip 'fe80:1' is not one IPv4 or IPv6 address (with an optional "
                           "/prefix)");
    vif_fails("ip=1111:2222:3333:4444:5555:6666:7777:8888:9", "ip is longer than 39 characters");
    vif_fails("backend=d d", "backend 'd d' is not a VM name (letters, digits, '_', '.', '-')");
    /* Across vifs and the config. */
    parse_fails(BASE "vif = [ 'mac=00:16:3e:00:00:01',\n  'mac=00:16:3e:00:00:01' ]\n",
                "web.cfg:5: vif 1: mac 00:16:3e:00:00:01 is vif 0's too");
    parse_fails(BASE "vif = [ 'bridge=xenbr0',\n 'backend=web' ]\n",
                "web.cfg:5: vif 1: backend 'web' is this VM itself; a device needs another VM (a "
                "driver domain) as its backend");
    parse_fails(BASE "vif = [ 5 ]\n",
                "web.cfg:4: vif entries must be strings like 'bridge=xenbr0'");
    parse_fails(BASE "vif = 'bridge=xenbr0'\n",
                "web.cfg:4: vif must be a list like [ 'bridge=xenbr0', ... ]");
    parse_fails(
        BASE "vif = []\nvif = []\n",
        "web.cfg:5: vif is set twice (first on line 4): remove one, or add to it with '+='");
}

/* ---- disk ---- */

static void disk_positional_forms(void **state)
{
    disk_is("/dev/vg/guest,raw,xvda,rw", "/dev/vg/guest", "xvda", true, false, "");
    disk_is("/dev/vg/guest-volume,,hda", "/dev/vg/guest-volume", "hda", true, false, "");
    disk_is("/dev/vg/guest-volume,raw,hda,rw", "/dev/vg/guest-volume", "hda", true, false, "");
    disk_is("/dev/vg/guest,raw,xvdb,ro", "/dev/vg/guest", "xvdb", false, false, "");
    disk_is("/dev/vg/guest,raw,xvdb,r", "/dev/vg/guest", "xvdb", false, false, "");
    disk_is("/dev/vg/guest,raw,xvdb,w", "/dev/vg/guest", "xvdb", true, false, "");
    disk_is("/dev/vg/guest,raw,xvdb,", "/dev/vg/guest", "xvdb", true, false, "");
    disk_is("  /srv/a.img , raw,xvdc", "/srv/a.img ", "xvdc", true, false, "");
    /* The deprecated prefixes: formats, and those xl strips. */
    disk_is("file:/images/g.img,xvda,w", "/images/g.img", "xvda", true, false, "");
    disk_is("phy:/dev/sdb1,xvdb,r", "/dev/sdb1", "xvdb", false, false, "");
    disk_is("tap:aio:/srv/g.img,xvda,w", "/srv/g.img", "xvda", true, false, "");
    disk_is("tap2:/srv/g.img,xvda,w", "/srv/g.img", "xvda", true, false, "");
    disk_is("tapdisk:aio:/srv/g.img,xvda", "/srv/g.img", "xvda", true, false, "");
    disk_is("ioemu:/srv/g.img,hda", "/srv/g.img", "hda", true, false, "");
    disk_is("raw:/dev/vg/guest-volume,hda,w", "/dev/vg/guest-volume", "hda", true, false, "");
    disk_is("phy:/dev/vg/x,xvda:disk,w", "/dev/vg/x", "xvda", true, false, "");
}

static void disk_keyword_forms(void **state)
{
    disk_is("format=raw, vdev=xvdb, access=rw, target=/x", "/x", "xvdb", true, false, "");
    disk_is("vdev=xvdb,target=/x,", "/x", "xvdb", true, false, ""); /* one comma stripped */
    disk_is("vdev=xvdb,target=/a b,c:d", "/a b,c:d", "xvdb", true, false, "");
    disk_is(",,xvdb,,target=/x", "/x", "xvdb", true, false, ""); /* empty target given again */
    disk_is("backend=dd,backendtype=phy,specification=xen,devtype=disk,/srv/a,,xvdc,ro", "/srv/a",
            "xvdc", false, false, "dd");
    disk_is("format=raw,/srv/a,xvdd", "/srv/a", "xvdd", true, false, "");
    disk_is("access=ro,vdev=sda,target=/dev/sdz", "/dev/sdz", "sda", false, false, "");
    disk_is("/srv/a,raw,xvda,rw,backend=storage-1", "/srv/a", "xvda", true, false, "storage-1");
}

static void disk_cdrom_forms(void **state)
{
    disk_is("/root/image.iso,,hdc,cdrom", "/root/image.iso", "hdc", false, true, "");
    disk_is("/root/image.iso,,hdc,,cdrom", "/root/image.iso", "hdc", false, true, "");
    disk_is("/root/image.iso,raw,hdc,devtype=cdrom", "/root/image.iso", "hdc", false, true, "");
    disk_is("format=raw, vdev=hdc, access=ro, devtype=cdrom, target=/root/image.iso",
            "/root/image.iso", "hdc", false, true, "");
    disk_is("raw:/root/image.iso,hdc:cdrom,ro", "/root/image.iso", "hdc", false, true, "");
    disk_is("/root/image.iso,raw,xvdd:cdrom", "/root/image.iso", "xvdd", false, true, "");
}

static void disk_refused(void **state)
{
    disk_fails(",hdc:cdrom,r", "an empty cdrom drive (no target) is not supported: domB cannot "
                               "insert media later");
    disk_fails("vdev=hdc,devtype=cdrom", "an empty cdrom drive (no target) is not supported: "
                                         "domB cannot insert media later");
    disk_fails("/srv/a.qcow2,qcow2,xvda",
               "format qcow2 is not supported: blkback serves raw images only");
    disk_fails("format=qcow,vdev=xvda,target=/a",
               "format qcow is not supported: blkback serves raw images only");
    disk_fails("/a,vhd,xvda", "format vhd is not supported: blkback serves raw images only");
    disk_fails("/a,qed,xvda", "format qed is not supported: blkback serves raw images only");
    disk_fails("qcow2:/a,xvda", "format qcow2 is not supported: blkback serves raw images only");
    disk_fails("vhd:/a,xvda", "format vhd is not supported: blkback serves raw images only");
    disk_fails("format=empty,vdev=hdc,cdrom",
               "format empty (a cdrom drive without media) is not supported");
    disk_fails("/a,vmdk,xvda", "format 'vmdk' is unknown (raw, qcow, qcow2, vhd, qed)");
    disk_fails("/a,,xvda,backendtype=qdisk", "backendtype qdisk is not supported: domB's driver "
                                             "domains serve disks with blkback (backendtype=phy)");
    disk_fails("/a,,xvda,backendtype=tap", "backendtype tap is not supported: domB's driver "
                                           "domains serve disks with blkback (backendtype=phy)");
    disk_fails("/a,,xvda,backendtype=standalone",
               "backendtype standalone is not supported: domB's driver domains serve disks with "
               "blkback (backendtype=phy)");
    disk_fails("/a,,xvda,backendtype=lvm", "backendtype 'lvm' is unknown (phy, tap, qdisk, "
                                           "standalone)");
    disk_fails("/a,,xvda,specification=virtio", "specification virtio is not supported: domB's "
                                                "disks are Xen PV block devices "
                                                "(specification=xen)");
    disk_fails("/a,,xvda,specification=scsi", "specification 'scsi' is unknown (xen, virtio)");
    disk_fails("/a,,xvda,script=block-iscsi", "script is not supported: the driver domain serves "
                                              "the target with its block hotplug script");
    disk_fails("iscsi:iqn.2001-05.com.x,xvda", "prefix iscsi: (script=block-iscsi) is not "
                                               "supported: the driver domain serves the target "
                                               "with its block hotplug script");
    disk_fails("nbd:host:1234,xvda", "prefix nbd: (script=block-nbd) is not supported: the "
                                     "driver domain serves the target with its block hotplug "
                                     "script");
    disk_fails("enbd:x,xvda", "prefix enbd: (script=block-enbd) is not supported: the driver "
                              "domain serves the target with its block hotplug script");
    disk_fails("drbd:r0,xvda", "prefix drbd: (script=block-drbd) is not supported: the driver "
                               "domain serves the target with its block hotplug script");
    disk_fails("/a,,xvda,direct-io-safe", "direct-io-safe is not supported: it only tunes the "
                                          "qdisk backend, which domB does not use");
    disk_fails("/a,,xvda,discard", "discard is not supported: domB writes no discard setting for "
                                   "the backend");
    disk_fails("/a,,xvda,no-discard", "no-discard is not supported: domB writes no discard "
                                      "setting for the backend");
    disk_fails("/a,,xvda,trusted", "trusted is not supported: domB writes no trust advice for "
                                   "the frontend");
    disk_fails("/a,,xvda,untrusted", "untrusted is not supported: domB writes no trust advice "
                                     "for the frontend");
    disk_fails("/a,,xvda,colo", "colo is not supported: COLO is not supported");
    disk_fails("/a,,xvda,no-colo", "no-colo is not supported: COLO is not supported");
    disk_fails("/a,,xvda,colo-host=h", "colo-host is not supported: COLO is not supported");
    disk_fails("/a,,xvda,colo-port=1", "colo-port is not supported: COLO is not supported");
    disk_fails("/a,,xvda,colo-export=e", "colo-export is not supported: COLO is not supported");
    disk_fails("/a,,xvda,active-disk=/x", "active-disk is not supported: COLO is not supported");
    disk_fails("/a,,xvda,hidden-disk=/x", "hidden-disk is not supported: COLO is not supported");
}

static void disk_bad_syntax(void **state)
{
    disk_fails("/a,,xvda,rate=1", "'rate' is not a disk parameter xl or domB knows");
    disk_fails("foo:/a,xvda", "prefix 'foo:' is not a disk prefix xl knows");
    disk_fails("/a=b,,xvda", "'/a=b' is neither KEY=VALUE nor a positional value (bad syntax)");
    disk_fails("/a,raw,xvda,rw,ro", "'ro' is one positional value too many (target, format, "
                                    "vdev, access)");
    disk_fails("/a,raw,xvda,rx", "access 'rx' is unknown (ro, r, rw or w)");
    disk_fails("/a,raw,xvda,rw,access=ro", "access is given twice");
    disk_fails("/a,raw,xvda,vdev=xvdb", "vdev is given twice");
    disk_fails("/a,raw,xvda,target=/b", "target is given twice");
    disk_fails("/a,raw,xvda,backend=x,backend=y", "backend is given twice");
    disk_fails("/a,raw,xvda,format=qcow2", "format qcow2 is not supported: blkback serves raw "
                                           "images only");
    disk_fails("/a,raw,xvda,devtype=floppy", "devtype 'floppy' is unknown (cdrom or disk)");
    disk_fails("/a,raw,hdc:floppy", "devtype 'floppy' is unknown (cdrom or disk)");
    disk_fails("/a,raw", "no vdev is given (such as xvda: vdev= or the third positional value)");
    disk_fails("", "no vdev is given (such as xvda: vdev= or the third positional value)");
    disk_fails("vdev=xvda", "no target is given (the file or device to serve: target= or the "
                            "first positional value)");
    disk_fails("/dev/vg/guest,xvda,w", "format 'xvda' is unknown; the second positional value is "
                                       "the format (write TARGET,,VDEV or use a prefix such as "
                                       "phy:)");
    disk_fails("a.img,,xvda", "target 'a.img' is not an absolute path (a file or device in the "
                              "driver domain)");
    disk_fails("/srv/a\\tb,,xvda", "target has a control or non-ASCII byte 0x09 at position 6");
    disk_fails(
        "/srv/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
        "aaaaaaaaaaaaaaaaaaaa,,xvda",
        "target is longer than 103 characters");
    disk_fails("/a,,xvdaaaaaaaaaaaaaa", "vdev is longer than 15 characters");
    disk_fails("/a,,xvda,rw,devtype=cdrom", "a cdrom is read-only; access rw contradicts devtype "
                                            "cdrom");
    disk_fails("/a,,xvda1x", "vdev 'xvda1x' is malformed or out of range (xvda to xvdbgqcv, "
                             "partitions 1 to 255; dDpP with D < 1048576, P < 256)");
    disk_fails("/a,,51712", "vdev '51712' is a number; name the disk (xvda, hda, sda, d0p0)");
    disk_fails("/a,,vda", "vdev 'vda' is not a disk name (xvdX, hdX, sdX or dDpP, with an "
                          "optional partition number)");
    disk_fails("/a,,xvda,backend=web", "backend 'web' is this VM itself; a device needs another "
                                       "VM (a driver domain) as its backend");
    parse_fails(BASE "disk = [ '/a,,xvda',\n  '/b,,d0p0' ]\n",
                "web.cfg:5: disk 1: vdev d0p0 is the same virtual device (51712) as disk 0's xvda");
    parse_fails(BASE "disk = [ '/a,,xvda', '/b,,xvdb',\n  '/c,,xvdb1', '/b,,xvdb' ]\n",
                "web.cfg:5: disk 3: vdev xvdb is the same virtual device (51728) as disk 1's xvdb");
}

/* libxl__device_disk_dev_number's numbers (Xen 4.17, checked against libxl's own code). */
static void disk_vdev_numbers(void **state)
{
    static const struct {
        const char *vdev;
        uint32_t number;
    } table[] = {
        {"xvda", 51712},
        {"xvdb", 51728},
        {"xvdp", 51952},
        {"xvdq", 268439552},
        {"xvdr", 268439808},
        {"xvdz", 268441856},
        {"xvdaa", 268442112},
        {"xvdzz", 268614912},
        {"xvdaaa", 268615168},
        {"xvda1", 51713},
        {"xvda15", 51727},
        {"xvda16", 268435472},
        {"xvdq1", 268439553},
        {"xvda255", 268435711},
        {"xvdbgqcv", 536870656},
        {"xvdbgqcv255", 536870911},
        {"hda", 768},
        {"hdb", 832},
        {"hdc", 5632},
        {"hdd", 5696},
        {"hda1", 769},
        {"hda63", 831},
        {"hdc1", 5633},
        {"hdd63", 5759},
        {"sda", 2048},
        {"sdb", 2064},
        {"sdp", 2288},
        {"sda15", 2063},
        {"d0p0", 51712},
        {"d1p2", 51730},
        {"d15p15", 51967},
        {"d16p0", 268439552},
        {"d0p16", 268435472},
    };
    static const char *const bad[] = {
        "xvda256", "xvda0", "xvda01",     "xvdbgqcw", "xvd",   "xvd1",   "xvdA", "xvda+1", "xvda 1",
        "hde",     "hda64", "hdaa",       "sdq",      "sda16", "sdaa",   "d0",   "d0p",    "dp0",
        "d01p0",   "d0p01", "d1048576p0", "d0p256",   "51712", "0xca00", "",     "vda",    "xvda-1",
    };
    struct domb_error err;
    uint32_t n;

    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
        n = 0;
        if (vm_disk_vdev_number(table[i].vdev, &n, &err) != 0)
            fail_msg("%s: %s", table[i].vdev, err.msg);
        if (n != table[i].number)
            fail_msg("%s is %u, libxl says %u", table[i].vdev, n, table[i].number);
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (vm_disk_vdev_number(bad[i], &n, &err) == 0)
            fail_msg("'%s' was taken as %u", bad[i], n);
    assert_int_equal(vm_disk_vdev_number("hde", &n, &err), -XEN_EINVAL);
    assert_string_equal(err.msg,
                        "vdev 'hde' is malformed or out of range (hda to hdd, partitions 1 to 63)");
    assert_int_equal(vm_disk_vdev_number("sdq", &n, &err), -XEN_EINVAL);
    assert_string_equal(err.msg,
                        "vdev 'sdq' is malformed or out of range (sda to sdp, partitions 1 to 15)");
    /* Through the parser, devid and virtual_device are libxl's number. */
    disk_ok("/a,,xvdq1");
    assert_int_equal(cfg.devices[0].disk.virtual_device, 268439553);
    assert_int_equal(cfg.devices[0].devid, 268439553);
}

/* ---- the whole config ---- */

static void devices_mixed_and_limits(void **state)
{
    struct config_lines lines;
    struct domb_error err;
    const char *t = BASE "disk = [ '/srv/a.img,raw,xvda,rw',\n"
                         "         'phy:/dev/sdb,xvdb,r' ]\n"
                         "vif = [ 'bridge=xenbr1',\n"
                         "        'backend=net' ]\n";

    assert_int_equal(config_parse(t, strlen(t), "web.cfg", &cfg, &lines, &err), 0);
    assert_int_equal(cfg.nr_devices, 4);
    assert_int_equal(cfg.devices[0].kind, VM_DEVICE_VBD);
    assert_int_equal(cfg.devices[1].devid, 51728);
    assert_int_equal(cfg.devices[2].kind, VM_DEVICE_VIF);
    assert_int_equal(cfg.devices[2].devid, 0);
    assert_int_equal(cfg.devices[3].devid, 1);
    assert_int_equal(lines.devices[0], 4);
    assert_int_equal(lines.devices[1], 5);
    assert_int_equal(lines.devices[2], 6);
    assert_int_equal(lines.devices[3], 7);
    assert_int_equal(lines.devices[4], 0);
    /* Eight in all, vifs and disks together. */
    parse_ok(BASE "vif = [ '', '', '', '', '' ]\ndisk = [ '/a,,xvda', '/a,,xvdb', '/a,,xvdc' ]\n");
    assert_int_equal(cfg.nr_devices, 8);
    parse_fails(BASE "vif = [ '', '', '', '', '' ]\n"
                     "disk = [ '/a,,xvda', '/a,,xvdb', '/a,,xvdc', '/a,,xvdd' ]\n",
                "web.cfg:5: more than 8 devices (vif and disk entries together)");
    parse_fails(BASE "disk = [ '/a,,xvda', '/a,,xvdb', '/a,,xvdc', '/a,,xvdd', '/a,,xvde',\n"
                     "'/a,,xvdf', '/a,,xvdg', '/a,,xvdh', '/a,,xvdi' ]\n",
                "web.cfg:5: more than 8 devices (vif and disk entries together)");
    parse_fails(BASE "disk = [ '/a,,xvda', 7 ]\n",
                "web.cfg:4: disk entries must be strings like '/images/web.img,raw,xvda,rw'");
    /* A PVH guest takes PV devices too. */
    parse_ok(BASE "type = \"pvh\"\nvif = [ '' ]\ndisk = [ '/a,,xvda' ]\n");
    assert_int_equal(cfg.nr_devices, 2);
}

static void driver_domain_key(void **state)
{
    parse_ok(BASE);
    assert_false(cfg.driver_domain);
    parse_ok(BASE "driver_domain = 1\n");
    assert_true(cfg.driver_domain);
    parse_ok(BASE "driver_domain = 0\n");
    assert_false(cfg.driver_domain);
    /* An xl BOOLEAN: any number other than 0 is true, quoted or not. */
    parse_ok(BASE "driver_domain = 2\n");
    assert_true(cfg.driver_domain);
    parse_ok(BASE "driver_domain = \"1\"\n");
    assert_true(cfg.driver_domain);
    parse_fails(BASE "driver_domain = \"yes\"\n",
                "web.cfg:4: driver_domain: \"yes\" is not a number (decimal, 0x hex, or octal "
                "with a leading 0, as xl reads numbers)");
    parse_fails(BASE "driver_domain = [ 1 ]\n",
                "web.cfg:4: driver_domain must be 0 or 1 (a number: 0 is false, any other true, "
                "as xl)");
}

static void db_client_max_devices_key(void **state)
{
    parse_ok(BASE);
    assert_int_equal(cfg.db_max_devices, 0);
    parse_ok(BASE "db_client = 1\n");
    assert_int_equal(cfg.db_max_devices, VM_DB_DEFAULT_MAX_DEVICES);
    parse_ok(BASE "db_client = 1\ndb_client_max_devices = 0\n");
    assert_int_equal(cfg.db_max_devices, 0);
    parse_ok(BASE "db_client_max_devices = 512\ndb_client = 1\n");
    assert_int_equal(cfg.db_max_devices, 512);
    parse_fails(BASE "db_client = 1\ndb_client_max_devices = 513\n",
                "web.cfg:5: db_client_max_devices must be a number from 0 to 512");
    parse_fails(BASE "db_client_max_devices = 4\n",
                "web.cfg:4: db_client_max_devices needs db_client = 1");
}

/* A parsed config with devices, its backends named as domb-pack does, is a version 4 spec
 * (xl's default on_reboot = "restart" needs version 4) that decodes to the same bytes
 * (values shorter than the defaults leave no trace); with on_exit, version 3. */
static void devices_reach_the_spec(void **state)
{
    static uint8_t buf[SPEC_MAX_SIZE];
    struct vm_config back;
    struct domb_error err;

    parse_ok(BASE "vif = [ 'mac=00:16:3e:01:02:03,bridge=xenbr0,backend=dd,vifname=web0,"
                  "script=vif-bridge,ip=10.0.0.2,type=vif', '', 'script=vif,bridge=br' ]\n"
                  "disk = [ 'phy:/dev/vg/web,xvda,w', '/srv/boot.iso,,hdc,cdrom' ]\n");
    assert_int_equal(spec_encode(&cfg, buf, sizeof(buf), &err), -XEN_EINVAL);
    assert_string_equal(err.msg,
                        "vif 1 has no backend (a spec names the driver domain of every device)");
    for (uint32_t i = 0; i < cfg.nr_devices; i++)
        if (!cfg.devices[i].backend[0])
            strcpy(cfg.devices[i].backend, "dd");
    assert_int_equal(spec_encode(&cfg, buf, sizeof(buf), &err), SPEC_V4_SIZE);
    assert_int_equal(spec_decode(buf, SPEC_V4_SIZE, &back, &err), 0);
    assert_memory_equal(&cfg, &back, sizeof(cfg));
    cfg.on_reason_set = 0;
    cfg.on_reason[VM_REASON_REBOOT] = VM_ON_EXIT_DESTROY;
    assert_int_equal(spec_encode(&cfg, buf, sizeof(buf), &err), SPEC_V3_SIZE);
    assert_int_equal(spec_decode(buf, SPEC_V3_SIZE, &back, &err), 0);
    assert_memory_equal(&cfg, &back, sizeof(cfg));
}

int main(int argc, char **argv);
/* One case per line: the build registers each line's case with ctest. */
/* clang-format off */
static const struct CMUnitTest tests[] = {
    cmocka_unit_test(vif_full_spec),
    cmocka_unit_test(vif_defaults),
    cmocka_unit_test(vif_default_mac_function),
    cmocka_unit_test(vif_refused_keys),
    cmocka_unit_test(vif_bad_values),
    cmocka_unit_test(disk_positional_forms),
    cmocka_unit_test(disk_keyword_forms),
    cmocka_unit_test(disk_cdrom_forms),
    cmocka_unit_test(disk_refused),
    cmocka_unit_test(disk_bad_syntax),
    cmocka_unit_test(disk_vdev_numbers),
    cmocka_unit_test(devices_mixed_and_limits),
    cmocka_unit_test(driver_domain_key),
    cmocka_unit_test(db_client_max_devices_key),
    cmocka_unit_test(devices_reach_the_spec),
};
/* clang-format on */
DOMB_TEST_MAIN(tests)
