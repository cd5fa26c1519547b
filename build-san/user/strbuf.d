build-san/user/strbuf.o: user/strbuf.c user/strbuf.h
user/strbuf.h:
