#!/bin/sh
# Real xl.cfg files (corpus/, sources in corpus/README.md), packed unchanged
# but for the paths on their kernel and ramdisk lines: every one that is not
# an HVM guest packs and lists; every HVM one gets the one HVM message.
# Usage: corpus_test.sh DOMB_PACK CORPUS_DIR WORKDIR KERNEL
set -u
PACK=$1
CORPUS=$2
DIR=$3
KERNEL=$4
NO_HVM='HVM guests need a device model (QEMU), which domB does not run: use type = "pvh"'
fail() { echo "FAIL: $*"; exit 1; }

rm -rf "$DIR" && mkdir -p "$DIR/img" || fail "cannot make $DIR"
cp "$KERNEL" "$DIR/img/kernel" || fail "no kernel $KERNEL"
printf 'a small ramdisk' > "$DIR/img/ramdisk"
# The driver domain the files with devices are packed with (our own).
printf 'name = "corpus-dd"\nkernel = "img/kernel"\nmemory = 64\ndriver_domain = 1\n' > "$DIR/dd.cfg"

packed=0 refused=0
for f in "$CORPUS"/*.cfg; do
    base=$(basename "$f")
    cfg="$DIR/$base"
    # Only the paths of kernel = "..." and ramdisk = "..." lines change.
    sed -E -e 's#^([[:space:]]*kernel[[:space:]]*=[[:space:]]*)(["'"'"']).*\2#\1\2img/kernel\2#' \
           -e 's#^([[:space:]]*ramdisk[[:space:]]*=[[:space:]]*)(["'"'"']).*\2#\1\2img/ramdisk\2#' \
        "$f" > "$cfg"
    diff "$f" "$cfg" | grep '^[<>]' | grep -Ev '^[<>][[:space:]]*(kernel|ramdisk)[[:space:]]*=' \
        && fail "$base: more than the kernel and ramdisk paths changed"
    if grep -Eq '^[[:space:]]*(type|builder)[[:space:]]*=[[:space:]]*["'"'"']hvm' "$f"; then
        "$PACK" --check "$cfg" > "$DIR/out.txt" 2> "$DIR/err.txt"
        [ $? -eq 1 ] || fail "$base (HVM): expected exit status 1"
        [ "$(wc -l < "$DIR/err.txt")" -eq 1 ] || fail "$base (HVM): not one message: $(cat "$DIR/err.txt")"
        grep -qF "$NO_HVM" "$DIR/err.txt" || fail "$base (HVM): $(cat "$DIR/err.txt")"
        echo "refused (HVM): $base: $(cat "$DIR/err.txt")"
        refused=$((refused + 1))
        continue
    fi
    "$PACK" -o "$DIR/$base.cpio" "$cfg" "$DIR/dd.cfg" > "$DIR/out.txt" 2> "$DIR/err.txt" \
        || fail "$base did not pack: $(cat "$DIR/err.txt")"
    "$PACK" --list "$DIR/$base.cpio" > "$DIR/list.txt" || fail "$base: --list: $(cat "$DIR/list.txt")"
    name=$(sed -n 's/^  1\. \([^:]*\):.*/\1/p' "$DIR/list.txt")
    echo "packed: $base (vm '$name')"
    packed=$((packed + 1))
done
[ $packed -ge 15 ] || fail "only $packed files packed"
[ $refused -ge 1 ] || fail "no HVM file in the corpus"
echo "PASS: $packed packed, $refused HVM refused"
