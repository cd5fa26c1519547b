build-san/user/json.o: user/json.c user/json.h user/strbuf.h
user/json.h:
user/strbuf.h:
