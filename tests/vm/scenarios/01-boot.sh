# 00-boot.sh: the VM itself is fit for smbwatch: cifs.ko loads and has module BTF, which every
# cifs hook (tracepoints through tp_btf, fentry/fexit) needs.

scenario_boot_core=1
scenario_boot() {
	if ! smbw_modprobe_cifs; then
		smbw_reason "modprobe cifs failed"
		return 1
	fi
	if [ ! -e /sys/kernel/btf/cifs ]; then
		smbw_reason "cifs.ko loaded but /sys/kernel/btf/cifs is missing"
		return 1
	fi
	smbw_reason "cifs.ko loaded, module BTF $(stat -c %s /sys/kernel/btf/cifs) bytes"
}
