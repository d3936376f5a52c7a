.chip edge
.tensor x addr=0x0 shape=4x20 dtype=fp32 kind=input
.tensor dense1.w addr=0x140 shape=20x16 dtype=fp32 kind=param
.tensor dense1.b addr=0x640 shape=16 dtype=fp32 kind=param
.tensor dense3.w addr=0x680 shape=16x10 dtype=fp32 kind=param
.tensor dense3.b addr=0x900 shape=10 dtype=fp32 kind=param
.tensor labels addr=0x940 shape=4x10 dtype=fp32 kind=input
.tensor lr addr=0xa00 shape=1 dtype=fp32 kind=state
.tensor logits addr=0xa40 shape=4x10 dtype=fp32 kind=output
.tensor loss addr=0xb00 shape=1 dtype=fp32 kind=output
.tensor __scratch addr=0xb40 shape=4736 dtype=int8 kind=scratch
.tag x forward
load dram=0x0 dst=acc:0 rows=5 cols=16 stride=64 transpose=0 +push_next                              ; 0
vec op=COPY dst=sp:0 src1=acc:0 src2=acc:0 rows=5 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_prev +push_next ; 1
store dram=0xb40 src=sp:0 rows=5 cols=16 stride=32 transpose=0 +pop_prev +push_prev                  ; 2
.tag dense1.w forward
load dram=0x140 dst=acc:0 rows=20 cols=16 stride=64 transpose=0 +pop_next +push_next                 ; 3
vec op=COPY dst=sp:0 src1=acc:0 src2=acc:0 rows=20 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_next ; 4
store dram=0xc00 src=sp:0 rows=20 cols=16 stride=32 transpose=0 +pop_prev +push_prev                 ; 5
.tag dense1 forward
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 6
load dram=0xb40 dst=sp:0 rows=4 cols=16 stride=40 transpose=0 +pop_next                              ; 7
load dram=0xb60 dst=sp:4 rows=4 cols=4 stride=40 transpose=0                                         ; 8
load dram=0xc00 dst=sp:8 rows=16 cols=16 stride=32 transpose=0 +push_next                            ; 9
preload src=8 rows=16 cols=16 +pop_prev                                                              ; 10
matmul x=0 y=0 out=0 t=4 rows=16 cols=16 accumulate=0                                                ; 11
load dram=0xe00 dst=sp:24 rows=4 cols=16 stride=32 transpose=0 +push_next                            ; 12
preload src=24 rows=4 cols=16 +pop_prev                                                              ; 13
matmul x=4 y=0 out=0 t=4 rows=4 cols=16 accumulate=1 +push_next                                      ; 14
store dram=0xe80 src=acc:0 rows=4 cols=16 stride=64 transpose=0 +pop_prev +push_prev                 ; 15
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 16
load dram=0x640 dst=acc:0 rows=1 cols=16 stride=64 transpose=0 +pop_next                             ; 17
load dram=0xe80 dst=acc:1 rows=4 cols=16 stride=64 transpose=0 +push_next                            ; 18
vec op=ADD dst=acc:1 src1=acc:1 src2=acc:0 rows=4 cols=16 bcast1=0 bcast2=1 imm=0.0 +pop_prev +push_next ; 19
store dram=0xc00 src=acc:1 rows=4 cols=16 stride=64 transpose=0 +pop_prev +push_prev                 ; 20
.tag relu2 forward
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 21
load dram=0xc00 dst=acc:0 rows=4 cols=16 stride=64 transpose=0 +pop_next +push_next                  ; 22
vec op=RELU dst=acc:0 src1=acc:0 src2=acc:0 rows=4 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_next ; 23
store dram=0xd00 src=acc:0 rows=4 cols=16 stride=64 transpose=0 +pop_prev +push_prev                 ; 24
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 25
load dram=0xd00 dst=acc:0 rows=4 cols=16 stride=64 transpose=0 +pop_next +push_next                  ; 26
vec op=COPY dst=sp:0 src1=acc:0 src2=acc:0 rows=4 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_prev +push_next ; 27
store dram=0xe00 src=sp:0 rows=4 cols=16 stride=32 transpose=0 +pop_prev +push_prev                  ; 28
.tag dense3.w forward
load dram=0x680 dst=acc:0 rows=10 cols=16 stride=64 transpose=0 +pop_next +push_next                 ; 29
vec op=COPY dst=sp:0 src1=acc:0 src2=acc:0 rows=10 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_next ; 30
store dram=0xe80 src=sp:0 rows=10 cols=16 stride=32 transpose=0 +pop_prev +push_prev                 ; 31
.tag dense3 forward
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 32
load dram=0xe00 dst=sp:0 rows=4 cols=16 stride=32 transpose=0 +pop_next                              ; 33
load dram=0xe80 dst=sp:4 rows=16 cols=10 stride=20 transpose=0 +push_next                            ; 34
preload src=4 rows=16 cols=10 +pop_prev                                                              ; 35
matmul x=0 y=0 out=0 t=4 rows=16 cols=10 accumulate=0 +push_next                                     ; 36
store dram=0xd00 src=acc:0 rows=4 cols=10 stride=40 transpose=0 +pop_prev +push_prev                 ; 37
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 38
load dram=0x900 dst=acc:0 rows=1 cols=10 stride=40 transpose=0 +pop_next                             ; 39
load dram=0xd00 dst=acc:1 rows=4 cols=10 stride=40 transpose=0 +push_next                            ; 40
vec op=ADD dst=acc:1 src1=acc:1 src2=acc:0 rows=4 cols=10 bcast1=0 bcast2=1 imm=0.0 +pop_prev +push_next ; 41
store dram=0xa40 src=acc:1 rows=4 cols=10 stride=40 transpose=0 +pop_prev +push_prev                 ; 42
.tag loss forward
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 43
load dram=0xa40 dst=acc:0 rows=4 cols=10 stride=40 transpose=0 +pop_next +push_next                  ; 44
load dram=0x940 dst=acc:8 rows=4 cols=10 stride=40 transpose=0 +push_next                            ; 45
vec op=RMAX dst=acc:16 src1=acc:0 src2=acc:0 rows=4 cols=10 bcast1=0 bcast2=0 imm=0.0 +pop_prev      ; 46
vec op=SUB dst=acc:0 src1=acc:0 src2=acc:16 rows=4 cols=10 bcast1=0 bcast2=0 imm=0.0                 ; 47
vec op=EXP dst=acc:32 src1=acc:0 src2=acc:0 rows=4 cols=10 bcast1=0 bcast2=0 imm=0.0                 ; 48
vec op=RSUM dst=acc:32 src1=acc:32 src2=acc:32 rows=4 cols=10 bcast1=0 bcast2=0 imm=0.0              ; 49
vec op=COPY dst=acc:24 src1=acc:32 src2=acc:32 rows=4 cols=10 bcast1=0 bcast2=0 imm=0.0              ; 50
vec op=LOG dst=acc:24 src1=acc:24 src2=acc:24 rows=4 cols=1 bcast1=0 bcast2=0 imm=0.0                ; 51
vec op=MUL dst=acc:0 src1=acc:0 src2=acc:8 rows=4 cols=10 bcast1=0 bcast2=0 imm=0.0 +pop_prev        ; 52
vec op=RSUM dst=acc:40 src1=acc:0 src2=acc:0 rows=4 cols=10 bcast1=0 bcast2=0 imm=0.0 +push_prev     ; 53
vec op=RSUM dst=acc:32 src1=acc:8 src2=acc:8 rows=4 cols=10 bcast1=0 bcast2=0 imm=0.0 +push_prev     ; 54
vec op=MUL dst=acc:32 src1=acc:32 src2=acc:24 rows=4 cols=1 bcast1=0 bcast2=0 imm=0.0                ; 55
vec op=SUB dst=acc:40 src1=acc:40 src2=acc:32 rows=4 cols=1 bcast1=0 bcast2=0 imm=0.0                ; 56
vec op=CSUM dst=acc:48 src1=acc:40 src2=acc:40 rows=4 cols=1 bcast1=0 bcast2=0 imm=0.0               ; 57
vec op=MULI dst=acc:48 src1=acc:48 src2=acc:48 rows=1 cols=1 bcast1=0 bcast2=0 imm=-0.25 +push_next  ; 58
store dram=0xb00 src=acc:48 rows=1 cols=1 stride=4 transpose=0 +pop_prev                             ; 59
.tag grad_loss backward
load dram=0xa40 dst=acc:0 rows=4 cols=10 stride=40 transpose=0 +pop_next +push_next                  ; 60
load dram=0x940 dst=acc:8 rows=4 cols=10 stride=40 transpose=0 +pop_next +push_next                  ; 61
vec op=RMAX dst=acc:16 src1=acc:0 src2=acc:0 rows=4 cols=10 bcast1=0 bcast2=0 imm=0.0 +pop_prev      ; 62
vec op=SUB dst=acc:0 src1=acc:0 src2=acc:16 rows=4 cols=10 bcast1=0 bcast2=0 imm=0.0                 ; 63
vec op=EXP dst=acc:0 src1=acc:0 src2=acc:0 rows=4 cols=10 bcast1=0 bcast2=0 imm=0.0                  ; 64
vec op=RSUM dst=acc:24 src1=acc:0 src2=acc:0 rows=4 cols=10 bcast1=0 bcast2=0 imm=0.0                ; 65
vec op=RECIP dst=acc:24 src1=acc:24 src2=acc:24 rows=4 cols=10 bcast1=0 bcast2=0 imm=0.0             ; 66
vec op=MUL dst=acc:0 src1=acc:0 src2=acc:24 rows=4 cols=10 bcast1=0 bcast2=0 imm=0.0                 ; 67
vec op=SUB dst=acc:0 src1=acc:0 src2=acc:8 rows=4 cols=10 bcast1=0 bcast2=0 imm=0.0 +pop_prev        ; 68
vec op=MULI dst=acc:32 src1=acc:0 src2=acc:0 rows=4 cols=10 bcast1=0 bcast2=0 imm=0.25 +push_next    ; 69
store dram=0xd00 src=acc:32 rows=4 cols=10 stride=40 transpose=0 +pop_prev +push_prev                ; 70
.tag grad_dense3 backward
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 71
load dram=0xd00 dst=acc:0 rows=4 cols=10 stride=40 transpose=0 +pop_next +push_next                  ; 72
vec op=CSUM dst=acc:16 src1=acc:0 src2=acc:0 rows=4 cols=10 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_prev +push_next ; 73
store dram=0xdc0 src=acc:16 rows=1 cols=10 stride=40 transpose=0 +pop_prev                           ; 74
.tag grad_loss backward
load dram=0xd00 dst=acc:0 rows=2 cols=16 stride=64 transpose=0 +pop_next +push_next                  ; 75
vec op=COPY dst=sp:0 src1=acc:0 src2=acc:0 rows=2 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_next ; 76
store dram=0xfc0 src=sp:0 rows=2 cols=16 stride=32 transpose=0 +pop_prev                             ; 77
load dram=0xd80 dst=acc:2 rows=1 cols=8 stride=32 transpose=0 +push_next                             ; 78
vec op=COPY dst=sp:2 src1=acc:2 src2=acc:2 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_next ; 79
store dram=0x1000 src=sp:2 rows=1 cols=8 stride=16 transpose=0 +pop_prev +push_prev                  ; 80
.tag grad_dense3 backward
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 81
load dram=0xfc0 dst=sp:0 rows=4 cols=10 stride=20 transpose=0 +pop_next                              ; 82
load dram=0xe80 dst=sp:4 rows=10 cols=16 stride=20 transpose=1 +push_next                            ; 83
preload src=4 rows=10 cols=16 +pop_prev                                                              ; 84
matmul x=0 y=0 out=0 t=4 rows=10 cols=16 accumulate=0 +push_prev +push_next                          ; 85
store dram=0x1040 src=acc:0 rows=4 cols=16 stride=64 transpose=0 +pop_prev +push_prev                ; 86
load dram=0xe00 dst=sp:0 rows=16 cols=4 stride=32 transpose=1 +pop_next                              ; 87
load dram=0xfc0 dst=sp:16 rows=4 cols=10 stride=20 transpose=0 +push_next                            ; 88
preload src=16 rows=4 cols=10 +pop_prev                                                              ; 89
matmul x=0 y=0 out=0 t=16 rows=4 cols=10 accumulate=0 +pop_next +push_next                           ; 90
store dram=0x1140 src=acc:0 rows=16 cols=10 stride=40 transpose=0 +pop_prev +push_prev               ; 91
.tag grad_relu2 backward
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 92
load dram=0xc00 dst=acc:0 rows=4 cols=16 stride=64 transpose=0 +pop_next                             ; 93
load dram=0x1040 dst=acc:8 rows=4 cols=16 stride=64 transpose=0 +push_next                           ; 94
vec op=RELU_MASK dst=acc:0 src1=acc:0 src2=acc:8 rows=4 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_next ; 95
store dram=0xe00 src=acc:0 rows=4 cols=16 stride=64 transpose=0 +pop_prev +push_prev                 ; 96
.tag grad_dense1 backward
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 97
load dram=0xe00 dst=acc:0 rows=4 cols=16 stride=64 transpose=0 +pop_next +push_next                  ; 98
vec op=CSUM dst=acc:16 src1=acc:0 src2=acc:0 rows=4 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_prev +push_next ; 99
store dram=0xc00 src=acc:16 rows=1 cols=16 stride=64 transpose=0 +pop_prev                           ; 100
.tag grad_relu2 backward
load dram=0xe00 dst=acc:0 rows=4 cols=16 stride=64 transpose=0 +pop_next +push_next                  ; 101
vec op=COPY dst=sp:0 src1=acc:0 src2=acc:0 rows=4 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_next ; 102
store dram=0xc40 src=sp:0 rows=4 cols=16 stride=32 transpose=0 +pop_prev +push_prev                  ; 103
.tag grad_dense1 backward
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 104
load dram=0xb40 dst=sp:0 rows=20 cols=4 stride=40 transpose=1 +pop_next                              ; 105
load dram=0xc40 dst=sp:20 rows=4 cols=16 stride=32 transpose=0 +push_next                            ; 106
preload src=20 rows=4 cols=16 +pop_prev                                                              ; 107
matmul x=0 y=0 out=0 t=20 rows=4 cols=16 accumulate=0 +push_next                                     ; 108
store dram=0x13c0 src=acc:0 rows=20 cols=16 stride=64 transpose=0 +pop_prev +push_prev               ; 109
.tag dense1.w.update optimizer
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 110
load dram=0xa00 dst=acc:0 rows=1 cols=16 stride=0 transpose=1 +pop_next                              ; 111
load dram=0x13c0 dst=acc:1 rows=20 cols=16 stride=64 transpose=0 +push_next                          ; 112
vec op=MUL dst=acc:1 src1=acc:1 src2=acc:0 rows=20 cols=16 bcast1=0 bcast2=1 imm=0.0 +pop_prev +push_next ; 113
store dram=0x18c0 src=acc:1 rows=20 cols=16 stride=64 transpose=0 +pop_prev +push_prev               ; 114
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 115
load dram=0x140 dst=acc:0 rows=20 cols=16 stride=64 transpose=0 +pop_next                            ; 116
load dram=0x18c0 dst=acc:40 rows=20 cols=16 stride=64 transpose=0 +push_next                         ; 117
vec op=SUB dst=acc:0 src1=acc:0 src2=acc:40 rows=20 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_next ; 118
store dram=0x140 src=acc:0 rows=20 cols=16 stride=64 transpose=0 +pop_prev +push_prev                ; 119
.tag dense1.b.update optimizer
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 120
load dram=0xc00 dst=acc:0 rows=1 cols=16 stride=64 transpose=0 +pop_next                             ; 121
load dram=0xa00 dst=acc:2 rows=1 cols=16 stride=0 transpose=1 +push_next                             ; 122
vec op=MUL dst=acc:0 src1=acc:0 src2=acc:2 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_next ; 123
store dram=0xb40 src=acc:0 rows=1 cols=16 stride=64 transpose=0 +pop_prev +push_prev                 ; 124
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 125
load dram=0x640 dst=acc:0 rows=1 cols=16 stride=64 transpose=0 +pop_next                             ; 126
load dram=0xb40 dst=acc:2 rows=1 cols=16 stride=64 transpose=0 +push_next                            ; 127
vec op=SUB dst=acc:0 src1=acc:0 src2=acc:2 rows=1 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_next ; 128
store dram=0x640 src=acc:0 rows=1 cols=16 stride=64 transpose=0 +pop_prev +push_prev                 ; 129
.tag dense3.w.update optimizer
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 130
load dram=0xa00 dst=acc:0 rows=1 cols=16 stride=0 transpose=1 +pop_next                              ; 131
load dram=0x1140 dst=acc:1 rows=10 cols=16 stride=64 transpose=0 +push_next                          ; 132
vec op=MUL dst=acc:1 src1=acc:1 src2=acc:0 rows=10 cols=16 bcast1=0 bcast2=1 imm=0.0 +pop_prev +push_next ; 133
store dram=0xb40 src=acc:1 rows=10 cols=16 stride=64 transpose=0 +pop_prev +push_prev                ; 134
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 135
load dram=0x680 dst=acc:0 rows=10 cols=16 stride=64 transpose=0 +pop_next                            ; 136
load dram=0xb40 dst=acc:20 rows=10 cols=16 stride=64 transpose=0 +push_next                          ; 137
vec op=SUB dst=acc:0 src1=acc:0 src2=acc:20 rows=10 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_next ; 138
store dram=0x680 src=acc:0 rows=10 cols=16 stride=64 transpose=0 +pop_prev +push_prev                ; 139
.tag dense3.b.update optimizer
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 140
load dram=0xdc0 dst=acc:0 rows=1 cols=10 stride=40 transpose=0 +pop_next                             ; 141
load dram=0xa00 dst=acc:2 rows=1 cols=10 stride=0 transpose=1 +push_next                             ; 142
vec op=MUL dst=acc:0 src1=acc:0 src2=acc:2 rows=1 cols=10 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_next ; 143
store dram=0xb40 src=acc:0 rows=1 cols=10 stride=40 transpose=0 +pop_prev +push_prev                 ; 144
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 145
load dram=0x900 dst=acc:0 rows=1 cols=10 stride=40 transpose=0 +pop_next                             ; 146
load dram=0xb40 dst=acc:2 rows=1 cols=10 stride=40 transpose=0 +push_next                            ; 147
vec op=SUB dst=acc:0 src1=acc:0 src2=acc:2 rows=1 cols=10 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_next ; 148
store dram=0x900 src=acc:0 rows=1 cols=10 stride=40 transpose=0 +pop_prev                            ; 149
halt                                                                                                 ; 150
