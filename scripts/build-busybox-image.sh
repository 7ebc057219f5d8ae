#!/usr/bin/env bash
# Builds the OCI image "busybox" (tag) into an OCI image layout, from Debian's
# busybox-static: /bin/busybox with its applet links, /etc/passwd and group
# (root, nobody), /tmp and /www/index.html ("hello from troupe").
# Usage: build-busybox-image.sh [IMAGES_DIR]   (default /var/lib/troupe/images)
# Needs root, umoci and busybox-static (scripts/install-deps.sh). Idempotent:
# rebuilding replaces the tag.
set -euo pipefail

images_dir=${1:-/var/lib/troupe/images}
tag=busybox
busybox=/bin/busybox

die() { echo "build-busybox-image: $*" >&2; exit 1; }
[[ $(id -u) == 0 ]] || die "must run as root"
command -v umoci >/dev/null || die "umoci is missing (run scripts/install-deps.sh)"
[[ -x $busybox ]] || die "$busybox is missing (install busybox-static)"
"$busybox" --list >/dev/null 2>&1 || die "$busybox is not a working busybox"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if [[ ! -f $images_dir/index.json ]]; then
  mkdir -p "$(dirname "$images_dir")"
  umoci init --layout "$images_dir"
fi
umoci new --image "$images_dir:$tag"
umoci unpack --image "$images_dir:$tag" "$work/bundle" >/dev/null
rootfs=$work/bundle/rootfs

mkdir -p "$rootfs"/{bin,etc,www,root,proc,sys,dev}
install -d -m 1777 "$rootfs/tmp"
cp "$busybox" "$rootfs/bin/busybox"
applets=0
while read -r applet; do
  [[ $applet == busybox || -e $rootfs/bin/$applet ]] && continue
  ln -s busybox "$rootfs/bin/$applet"
  applets=$((applets + 1))
done < <("$busybox" --list)
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' \
  > "$rootfs/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' > "$rootfs/etc/group"
echo "hello from troupe" > "$rootfs/www/index.html"

umoci repack --image "$images_dir:$tag" "$work/bundle"
umoci config --image "$images_dir:$tag" \
  --config.cmd /bin/sh --config.workingdir / \
  --config.env PATH=/usr/sbin:/usr/bin:/sbin:/bin
umoci gc --layout "$images_dir"
echo "built image '$tag' in $images_dir from $busybox with $applets applets"
