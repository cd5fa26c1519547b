# smbwatch: make builds ./smbwatch; make check runs every test (see README.md).
OUTPUT ?= build
CC ?= cc
CLANG ?= clang
BPFTOOL ?= bpftool
PKG_CONFIG ?= pkg-config
ARCH := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
VERSION := $(shell git describe --tags --always --dirty 2>/dev/null || echo 0.1.0)

PREFIX ?= /usr
SBINDIR ?= $(PREFIX)/sbin
UNITDIR ?= $(PREFIX)/lib/systemd/system
CATALOGDIR ?= $(PREFIX)/lib/systemd/catalog
MANDIR ?= $(PREFIX)/share/man
COMPLETIONDIR ?= $(PREFIX)/share/bash-completion/completions

BPF_SRCS := bpf/maps.bpf.c bpf/tcp.bpf.c bpf/cifs.bpf.c bpf/kdc.bpf.c
BPF_OBJS := $(patsubst bpf/%.bpf.c,$(OUTPUT)/%.bpf.o,$(BPF_SRCS))
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Wall -Werror -Iheaders -I$(OUTPUT)

# user/ in folders by stage of the data path (kernel -> source -> diagnose -> output; cli
# drives it). Every module but main.c goes into the library the tests link.
USER_DIRS := common kernel source diagnose output cli
LIB_SRCS := $(filter-out user/cli/main.c,$(wildcard $(addprefix user/,$(addsuffix /*.c,$(USER_DIRS)))))
LIB_OBJS := $(patsubst user/%.c,$(OUTPUT)/user/%.o,$(LIB_SRCS))

CFLAGS ?= -O2 -g
USER_CFLAGS := $(CPPFLAGS) $(CFLAGS) -std=gnu11 -Wall -Wextra -Werror -Wshadow -Wformat=2 \
	       -D_GNU_SOURCE -DSMBWATCH_VERSION='"$(VERSION)"' -Iheaders $(addprefix -Iuser/,$(USER_DIRS)) -I$(OUTPUT) \
	       -MMD -MP
# libbpf statically from Debian's libbpf-dev: the binary runs where libbpf1 differs.
LIBBPF_A := $(shell $(PKG_CONFIG) --variable=libdir libbpf 2>/dev/null)/libbpf.a
# No libsystemd: user/output/sd_proto.c speaks the journal's and sd_notify's protocols.
LDLIBS := $(LIBBPF_A) -lelf -lz -lm -ldl
# -ldl: dlopen, in libc itself only from glibc 2.34. KRB5_LIBS is not the agent's: it opens
# libkrb5 at the first KRB-ERROR (user/source/krb_error.c); the tests and tools that encode
# KRB-ERRORs themselves (tests/unit/krb_builders.h) link it.
KRB5_LIBS := $(shell $(PKG_CONFIG) --libs krb5 2>/dev/null || echo -lkrb5 -lk5crypto -lcom_err)

# make V=1 shows the commands.
ifeq ($(V),1)
Q =
msg = @true
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

.PHONY: all clean check unit-tests san-tests vmtest vmlinux install uninstall format readme bench
.DELETE_ON_ERROR:

all: smbwatch

$(OUTPUT) $(OUTPUT)/user $(OUTPUT)/tests:
	mkdir -p $@

$(OUTPUT)/%.bpf.o: bpf/%.bpf.c bpf/common.bpf.h headers/smbwatch_event.h headers/cifs_core.h \
		   headers/vmlinux.h | $(OUTPUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

# One linked object, one skeleton: the cifs and tcp hooks share one ring buffer.
$(OUTPUT)/smbwatch.bpf.o: $(BPF_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(BPFTOOL) gen object $@ $^

$(OUTPUT)/smbwatch.skel.h: $(OUTPUT)/smbwatch.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name smbwatch > $@

$(OUTPUT)/user/%.o: user/%.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(USER_CFLAGS) -c $< -o $@

$(OUTPUT)/user/kernel/loader.o: $(OUTPUT)/smbwatch.skel.h

smbwatch: $(LIB_OBJS) $(OUTPUT)/user/cli/main.o
	$(call msg,BINARY,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# A build tool, not part of the agent: the journal catalog (and README's table), derived
# from the cause catalogue.
$(OUTPUT)/gen_docs: tools/gen_docs.c $(OUTPUT)/user/diagnose/causes.o $(OUTPUT)/user/common/names.o | $(OUTPUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(USER_CFLAGS) -o $@ $^

$(OUTPUT)/smbwatch.catalog: $(OUTPUT)/gen_docs
	$(call msg,GEN,$@)
	$(Q)$(OUTPUT)/gen_docs catalog > $@

# Made again whenever SBINDIR may differ (make install PREFIX=...), rewritten only if it did.
$(OUTPUT)/smbwatch.service: dist/smbwatch.service.in FORCE | $(OUTPUT)
	$(Q)sed 's|@SBINDIR@|$(SBINDIR)|g' $< > $@.tmp
	$(Q)if cmp -s $@.tmp $@; then rm -f $@.tmp; else echo "  GEN      $@"; mv $@.tmp $@; fi

.PHONY: FORCE
FORCE:

install: smbwatch $(OUTPUT)/smbwatch.catalog $(OUTPUT)/smbwatch.service
	install -D -m 0755 smbwatch $(DESTDIR)$(SBINDIR)/smbwatch
	install -D -m 0644 $(OUTPUT)/smbwatch.service $(DESTDIR)$(UNITDIR)/smbwatch.service
	install -D -m 0644 $(OUTPUT)/smbwatch.catalog $(DESTDIR)$(CATALOGDIR)/smbwatch.catalog
	install -D -m 0644 dist/smbwatch.8 $(DESTDIR)$(MANDIR)/man8/smbwatch.8
	install -D -m 0644 dist/smbwatch.bash-completion $(DESTDIR)$(COMPLETIONDIR)/smbwatch
	@if [ -z "$(DESTDIR)" ] && command -v journalctl >/dev/null; then journalctl --update-catalog || true; fi
	@if [ -z "$(DESTDIR)" ] && [ -d /run/systemd/system ]; then systemctl daemon-reload || true; fi

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/smbwatch $(DESTDIR)$(UNITDIR)/smbwatch.service \
	      $(DESTDIR)$(CATALOGDIR)/smbwatch.catalog $(DESTDIR)$(MANDIR)/man8/smbwatch.8 \
	      $(DESTDIR)$(COMPLETIONDIR)/smbwatch
	@if [ -z "$(DESTDIR)" ] && command -v journalctl >/dev/null; then journalctl --update-catalog || true; fi
	@if [ -z "$(DESTDIR)" ] && [ -d /run/systemd/system ]; then systemctl daemon-reload || true; fi

# The Debian package (debian/), from the tracked and new files of this tree, built in
# $(OUTPUT)/deb/ and checked by lintian: $(OUTPUT)/deb/smbwatch_VERSION_ARCH.deb.
.PHONY: deb
deb:
	rm -rf $(OUTPUT)/deb && mkdir -p $(OUTPUT)/deb/src
	git ls-files -z -c -o --exclude-standard | tar -c --null -T - | tar -x -C $(OUTPUT)/deb/src
	cd $(OUTPUT)/deb/src && dpkg-buildpackage -b -us -uc > ../build.log 2>&1 || \
		{ tail -30 ../build.log; echo "make deb: dpkg-buildpackage failed (see $(OUTPUT)/deb/build.log)"; exit 1; }
	lintian --fail-on error $(OUTPUT)/deb/*.changes > $(OUTPUT)/deb/lintian.txt 2>&1; \
		rc=$$?; cat $(OUTPUT)/deb/lintian.txt; \
		[ $$rc = 0 ] || { echo "make deb: lintian reports errors"; exit 1; }
	@ls $(OUTPUT)/deb/*.deb

# Regenerates the committed headers/vmlinux.h from the running kernel's BTF.
vmlinux:
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > headers/vmlinux.h

format:
	clang-format -i bpf/*.c bpf/*.h user/*/*.c user/*/*.h tools/*.c tests/unit/*.c

include tests/Makefile.inc

clean:
	rm -rf $(OUTPUT) build-san build-fuzz smbwatch

-include $(wildcard $(OUTPUT)/user/*/*.d $(OUTPUT)/tests/*.d)

# README's causes table comes from user/diagnose/causes.c; tests/unit/docs_in_sync.sh checks it.
readme: $(OUTPUT)/gen_docs
	$(Q)awk -v table="$$($(OUTPUT)/gen_docs markdown)" \
		'/<!-- causes:begin/ { print; print table; skip = 1; next } \
		 /<!-- causes:end/ { skip = 0 } !skip' README.md > README.md.tmp && mv README.md.tmp README.md
