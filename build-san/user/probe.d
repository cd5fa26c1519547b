build-san/user/probe.o: user/probe.c user/probe.h
user/probe.h:
