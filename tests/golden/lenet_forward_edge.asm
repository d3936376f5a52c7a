.chip edge
.tensor x addr=0x0 shape=2x8x8x1 dtype=fp32 kind=input
.tensor conv1.w addr=0x200 shape=3x3x1x8 dtype=fp32 kind=param
.tensor conv1.b addr=0x340 shape=8 dtype=fp32 kind=param
.tensor conv4.w addr=0x380 shape=3x3x8x16 dtype=fp32 kind=param
.tensor conv4.b addr=0x1580 shape=16 dtype=fp32 kind=param
.tensor dense8.w addr=0x15c0 shape=64x32 dtype=fp32 kind=param
.tensor dense8.b addr=0x35c0 shape=32 dtype=fp32 kind=param
.tensor dense10.w addr=0x3640 shape=32x10 dtype=fp32 kind=param
.tensor dense10.b addr=0x3b40 shape=10 dtype=fp32 kind=param
.tensor logits addr=0x3b80 shape=2x10 dtype=fp32 kind=output
.tensor __scratch addr=0x3c00 shape=8640 dtype=int8 kind=scratch
.tensor __temp addr=0x5dc0 shape=5760 dtype=int8 kind=scratch
.tag x forward
load dram=0x0 dst=acc:0 rows=8 cols=16 stride=64 transpose=0 +push_next                              ; 0
vec op=COPY dst=sp:0 src1=acc:0 src2=acc:0 rows=8 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_prev +push_next ; 1
store dram=0x3c00 src=sp:0 rows=8 cols=16 stride=32 transpose=0 +pop_prev +push_prev                 ; 2
.tag conv1.w forward
load dram=0x200 dst=acc:0 rows=4 cols=16 stride=64 transpose=0 +pop_next +push_next                  ; 3
vec op=COPY dst=sp:0 src1=acc:0 src2=acc:0 rows=4 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_next ; 4
store dram=0x3d00 src=sp:0 rows=4 cols=16 stride=32 transpose=0 +pop_prev                            ; 5
load dram=0x300 dst=acc:4 rows=1 cols=8 stride=32 transpose=0 +push_next                             ; 6
vec op=COPY dst=sp:4 src1=acc:4 src2=acc:4 rows=1 cols=8 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_next ; 7
store dram=0x3d80 src=sp:4 rows=1 cols=8 stride=16 transpose=0 +pop_prev +push_prev                  ; 8
.tag conv1 forward
vec op=SET dst=sp:0 src1=sp:0 src2=sp:0 rows=12 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_next ; 9
store dram=0x5dc0 src=sp:0 rows=12 cols=16 stride=32 transpose=0 +pop_prev                           ; 10
store dram=0x5f40 src=sp:0 rows=1 cols=8 stride=16 transpose=0 +push_prev                            ; 11
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 12
load dram=0x3c00 dst=sp:12 rows=8 cols=8 stride=16 transpose=0 +pop_next                             ; 13
load dram=0x3c80 dst=sp:267 rows=8 cols=8 stride=16 transpose=0 +push_next                           ; 14
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_next ; 15
store dram=0x5dd6 src=sp:12 rows=8 cols=8 stride=20 transpose=0 +pop_prev                            ; 16
store dram=0x5e9e src=sp:267 rows=8 cols=8 stride=20 transpose=0 +push_prev                          ; 17
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 18
load dram=0x5dc0 dst=sp:522 rows=8 cols=3 stride=2 transpose=0 +pop_next                             ; 19
load dram=0x5dd4 dst=sp:777 rows=8 cols=3 stride=2 transpose=0                                       ; 20
load dram=0x5de8 dst=sp:1032 rows=8 cols=3 stride=2 transpose=0                                      ; 21
load dram=0x5dd4 dst=sp:1287 rows=8 cols=3 stride=2 transpose=0                                      ; 22
load dram=0x5de8 dst=sp:1542 rows=8 cols=3 stride=2 transpose=0                                      ; 23
load dram=0x5dfc dst=sp:1797 rows=8 cols=3 stride=2 transpose=0                                      ; 24
load dram=0x5de8 dst=sp:12 rows=8 cols=3 stride=2 transpose=0                                        ; 25
load dram=0x5dfc dst=sp:267 rows=8 cols=3 stride=2 transpose=0 +push_next                            ; 26
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_next ; 27
store dram=0x5f80 src=sp:522 rows=8 cols=3 stride=18 transpose=0 +pop_prev                           ; 28
store dram=0x5f86 src=sp:777 rows=8 cols=3 stride=18 transpose=0                                     ; 29
store dram=0x5f8c src=sp:1032 rows=8 cols=3 stride=18 transpose=0                                    ; 30
store dram=0x6010 src=sp:1287 rows=8 cols=3 stride=18 transpose=0                                    ; 31
store dram=0x6016 src=sp:1542 rows=8 cols=3 stride=18 transpose=0                                    ; 32
store dram=0x601c src=sp:1797 rows=8 cols=3 stride=18 transpose=0                                    ; 33
store dram=0x60a0 src=sp:12 rows=8 cols=3 stride=18 transpose=0                                      ; 34
store dram=0x60a6 src=sp:267 rows=8 cols=3 stride=18 transpose=0 +push_prev                          ; 35
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 36
load dram=0x5e10 dst=sp:522 rows=8 cols=3 stride=2 transpose=0 +pop_next                             ; 37
load dram=0x5dfc dst=sp:777 rows=8 cols=3 stride=2 transpose=0                                       ; 38
load dram=0x5e10 dst=sp:1032 rows=8 cols=3 stride=2 transpose=0                                      ; 39
load dram=0x5e24 dst=sp:1287 rows=8 cols=3 stride=2 transpose=0                                      ; 40
load dram=0x5e10 dst=sp:1542 rows=8 cols=3 stride=2 transpose=0                                      ; 41
load dram=0x5e24 dst=sp:1797 rows=8 cols=3 stride=2 transpose=0                                      ; 42
load dram=0x5e38 dst=sp:12 rows=8 cols=3 stride=2 transpose=0                                        ; 43
load dram=0x5e24 dst=sp:267 rows=8 cols=3 stride=2 transpose=0 +push_next                            ; 44
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_next ; 45
store dram=0x60ac src=sp:522 rows=8 cols=3 stride=18 transpose=0 +pop_prev                           ; 46
store dram=0x6130 src=sp:777 rows=8 cols=3 stride=18 transpose=0                                     ; 47
store dram=0x6136 src=sp:1032 rows=8 cols=3 stride=18 transpose=0                                    ; 48
store dram=0x613c src=sp:1287 rows=8 cols=3 stride=18 transpose=0                                    ; 49
store dram=0x61c0 src=sp:1542 rows=8 cols=3 stride=18 transpose=0                                    ; 50
store dram=0x61c6 src=sp:1797 rows=8 cols=3 stride=18 transpose=0                                    ; 51
store dram=0x61cc src=sp:12 rows=8 cols=3 stride=18 transpose=0                                      ; 52
store dram=0x6250 src=sp:267 rows=8 cols=3 stride=18 transpose=0 +push_prev                          ; 53
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 54
load dram=0x5e38 dst=sp:522 rows=8 cols=3 stride=2 transpose=0 +pop_next                             ; 55
load dram=0x5e4c dst=sp:777 rows=8 cols=3 stride=2 transpose=0                                       ; 56
load dram=0x5e38 dst=sp:1032 rows=8 cols=3 stride=2 transpose=0                                      ; 57
load dram=0x5e4c dst=sp:1287 rows=8 cols=3 stride=2 transpose=0                                      ; 58
load dram=0x5e60 dst=sp:1542 rows=8 cols=3 stride=2 transpose=0                                      ; 59
load dram=0x5e4c dst=sp:1797 rows=8 cols=3 stride=2 transpose=0                                      ; 60
load dram=0x5e60 dst=sp:12 rows=8 cols=3 stride=2 transpose=0                                        ; 61
load dram=0x5e74 dst=sp:267 rows=8 cols=3 stride=2 transpose=0 +push_next                            ; 62
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_next ; 63
store dram=0x6256 src=sp:522 rows=8 cols=3 stride=18 transpose=0 +pop_prev                           ; 64
store dram=0x625c src=sp:777 rows=8 cols=3 stride=18 transpose=0                                     ; 65
store dram=0x62e0 src=sp:1032 rows=8 cols=3 stride=18 transpose=0                                    ; 66
store dram=0x62e6 src=sp:1287 rows=8 cols=3 stride=18 transpose=0                                    ; 67
store dram=0x62ec src=sp:1542 rows=8 cols=3 stride=18 transpose=0                                    ; 68
store dram=0x6370 src=sp:1797 rows=8 cols=3 stride=18 transpose=0                                    ; 69
store dram=0x6376 src=sp:12 rows=8 cols=3 stride=18 transpose=0                                      ; 70
store dram=0x637c src=sp:267 rows=8 cols=3 stride=18 transpose=0 +push_prev                          ; 71
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 72
load dram=0x5e88 dst=sp:522 rows=8 cols=3 stride=2 transpose=0 +pop_next                             ; 73
load dram=0x5e9c dst=sp:777 rows=8 cols=3 stride=2 transpose=0                                       ; 74
load dram=0x5eb0 dst=sp:1032 rows=8 cols=3 stride=2 transpose=0                                      ; 75
load dram=0x5e9c dst=sp:1287 rows=8 cols=3 stride=2 transpose=0                                      ; 76
load dram=0x5eb0 dst=sp:1542 rows=8 cols=3 stride=2 transpose=0                                      ; 77
load dram=0x5ec4 dst=sp:1797 rows=8 cols=3 stride=2 transpose=0                                      ; 78
load dram=0x5eb0 dst=sp:12 rows=8 cols=3 stride=2 transpose=0                                        ; 79
load dram=0x5ec4 dst=sp:267 rows=8 cols=3 stride=2 transpose=0 +push_next                            ; 80
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_next ; 81
store dram=0x6400 src=sp:522 rows=8 cols=3 stride=18 transpose=0 +pop_prev                           ; 82
store dram=0x6406 src=sp:777 rows=8 cols=3 stride=18 transpose=0                                     ; 83
store dram=0x640c src=sp:1032 rows=8 cols=3 stride=18 transpose=0                                    ; 84
store dram=0x6490 src=sp:1287 rows=8 cols=3 stride=18 transpose=0                                    ; 85
store dram=0x6496 src=sp:1542 rows=8 cols=3 stride=18 transpose=0                                    ; 86
store dram=0x649c src=sp:1797 rows=8 cols=3 stride=18 transpose=0                                    ; 87
store dram=0x6520 src=sp:12 rows=8 cols=3 stride=18 transpose=0                                      ; 88
store dram=0x6526 src=sp:267 rows=8 cols=3 stride=18 transpose=0 +push_prev                          ; 89
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 90
load dram=0x5ed8 dst=sp:522 rows=8 cols=3 stride=2 transpose=0 +pop_next                             ; 91
load dram=0x5ec4 dst=sp:777 rows=8 cols=3 stride=2 transpose=0                                       ; 92
load dram=0x5ed8 dst=sp:1032 rows=8 cols=3 stride=2 transpose=0                                      ; 93
load dram=0x5eec dst=sp:1287 rows=8 cols=3 stride=2 transpose=0                                      ; 94
load dram=0x5ed8 dst=sp:1542 rows=8 cols=3 stride=2 transpose=0                                      ; 95
load dram=0x5eec dst=sp:1797 rows=8 cols=3 stride=2 transpose=0                                      ; 96
load dram=0x5f00 dst=sp:12 rows=8 cols=3 stride=2 transpose=0                                        ; 97
load dram=0x5eec dst=sp:267 rows=8 cols=3 stride=2 transpose=0 +push_next                            ; 98
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_next ; 99
store dram=0x652c src=sp:522 rows=8 cols=3 stride=18 transpose=0 +pop_prev                           ; 100
store dram=0x65b0 src=sp:777 rows=8 cols=3 stride=18 transpose=0                                     ; 101
store dram=0x65b6 src=sp:1032 rows=8 cols=3 stride=18 transpose=0                                    ; 102
store dram=0x65bc src=sp:1287 rows=8 cols=3 stride=18 transpose=0                                    ; 103
store dram=0x6640 src=sp:1542 rows=8 cols=3 stride=18 transpose=0                                    ; 104
store dram=0x6646 src=sp:1797 rows=8 cols=3 stride=18 transpose=0                                    ; 105
store dram=0x664c src=sp:12 rows=8 cols=3 stride=18 transpose=0                                      ; 106
store dram=0x66d0 src=sp:267 rows=8 cols=3 stride=18 transpose=0 +push_prev                          ; 107
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 108
load dram=0x5f00 dst=sp:522 rows=8 cols=3 stride=2 transpose=0 +pop_next                             ; 109
load dram=0x5f14 dst=sp:777 rows=8 cols=3 stride=2 transpose=0                                       ; 110
load dram=0x5f00 dst=sp:1032 rows=8 cols=3 stride=2 transpose=0                                      ; 111
load dram=0x5f14 dst=sp:1287 rows=8 cols=3 stride=2 transpose=0                                      ; 112
load dram=0x5f28 dst=sp:1542 rows=8 cols=3 stride=2 transpose=0                                      ; 113
load dram=0x5f14 dst=sp:1797 rows=8 cols=3 stride=2 transpose=0                                      ; 114
load dram=0x5f28 dst=sp:12 rows=8 cols=3 stride=2 transpose=0                                        ; 115
load dram=0x5f3c dst=sp:267 rows=8 cols=3 stride=2 transpose=0 +push_next                            ; 116
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_next ; 117
store dram=0x66d6 src=sp:522 rows=8 cols=3 stride=18 transpose=0 +pop_prev                           ; 118
store dram=0x66dc src=sp:777 rows=8 cols=3 stride=18 transpose=0                                     ; 119
store dram=0x6760 src=sp:1032 rows=8 cols=3 stride=18 transpose=0                                    ; 120
store dram=0x6766 src=sp:1287 rows=8 cols=3 stride=18 transpose=0                                    ; 121
store dram=0x676c src=sp:1542 rows=8 cols=3 stride=18 transpose=0                                    ; 122
store dram=0x67f0 src=sp:1797 rows=8 cols=3 stride=18 transpose=0                                    ; 123
store dram=0x67f6 src=sp:12 rows=8 cols=3 stride=18 transpose=0                                      ; 124
store dram=0x67fc src=sp:267 rows=8 cols=3 stride=18 transpose=0 +push_prev                          ; 125
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 126
load dram=0x5f80 dst=sp:0 rows=128 cols=9 stride=18 transpose=0 +pop_next                            ; 127
load dram=0x3d00 dst=sp:128 rows=9 cols=8 stride=16 transpose=0 +push_next                           ; 128
preload src=128 rows=9 cols=8 +pop_prev                                                              ; 129
matmul x=0 y=0 out=0 t=128 rows=9 cols=8 accumulate=0 +push_next                                     ; 130
store dram=0x3dc0 src=acc:0 rows=128 cols=8 stride=32 transpose=0 +pop_prev +push_prev               ; 131
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 132
load dram=0x340 dst=acc:0 rows=1 cols=8 stride=32 transpose=0 +pop_next                              ; 133
load dram=0x3dc0 dst=acc:1 rows=128 cols=8 stride=32 transpose=0 +push_next                          ; 134
vec op=ADD dst=acc:1 src1=acc:1 src2=acc:0 rows=128 cols=8 bcast1=0 bcast2=1 imm=0.0 +pop_prev +push_next ; 135
store dram=0x4dc0 src=acc:1 rows=128 cols=8 stride=32 transpose=0 +pop_prev +push_prev               ; 136
.tag relu2 forward
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 137
load dram=0x4dc0 dst=acc:0 rows=64 cols=16 stride=64 transpose=0 +pop_next +push_next                ; 138
vec op=RELU dst=acc:0 src1=acc:0 src2=acc:0 rows=64 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_next ; 139
store dram=0x3c00 src=acc:0 rows=64 cols=16 stride=64 transpose=0 +pop_prev +push_prev               ; 140
.tag maxpool2d3 forward
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 141
load dram=0x3c00 dst=acc:0 rows=4 cols=8 stride=64 transpose=0 +pop_next                             ; 142
load dram=0x3e00 dst=acc:4 rows=4 cols=8 stride=64 transpose=0                                       ; 143
load dram=0x4000 dst=acc:8 rows=4 cols=8 stride=64 transpose=0                                       ; 144
load dram=0x4200 dst=acc:12 rows=4 cols=8 stride=64 transpose=0                                      ; 145
load dram=0x4400 dst=acc:16 rows=4 cols=8 stride=64 transpose=0                                      ; 146
load dram=0x4600 dst=acc:20 rows=4 cols=8 stride=64 transpose=0                                      ; 147
load dram=0x4800 dst=acc:24 rows=4 cols=8 stride=64 transpose=0                                      ; 148
load dram=0x4a00 dst=acc:28 rows=4 cols=8 stride=64 transpose=0                                      ; 149
load dram=0x3c20 dst=acc:64 rows=4 cols=8 stride=64 transpose=0                                      ; 150
load dram=0x3e20 dst=acc:68 rows=4 cols=8 stride=64 transpose=0                                      ; 151
load dram=0x4020 dst=acc:72 rows=4 cols=8 stride=64 transpose=0                                      ; 152
load dram=0x4220 dst=acc:76 rows=4 cols=8 stride=64 transpose=0                                      ; 153
load dram=0x4420 dst=acc:80 rows=4 cols=8 stride=64 transpose=0                                      ; 154
load dram=0x4620 dst=acc:84 rows=4 cols=8 stride=64 transpose=0                                      ; 155
load dram=0x4820 dst=acc:88 rows=4 cols=8 stride=64 transpose=0                                      ; 156
load dram=0x4a20 dst=acc:92 rows=4 cols=8 stride=64 transpose=0 +push_next                           ; 157
vec op=MAX dst=acc:0 src1=acc:0 src2=acc:64 rows=32 cols=8 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_prev ; 158
load dram=0x3d00 dst=acc:64 rows=4 cols=8 stride=64 transpose=0 +pop_next                            ; 159
load dram=0x3f00 dst=acc:68 rows=4 cols=8 stride=64 transpose=0                                      ; 160
load dram=0x4100 dst=acc:72 rows=4 cols=8 stride=64 transpose=0                                      ; 161
load dram=0x4300 dst=acc:76 rows=4 cols=8 stride=64 transpose=0                                      ; 162
load dram=0x4500 dst=acc:80 rows=4 cols=8 stride=64 transpose=0                                      ; 163
load dram=0x4700 dst=acc:84 rows=4 cols=8 stride=64 transpose=0                                      ; 164
load dram=0x4900 dst=acc:88 rows=4 cols=8 stride=64 transpose=0                                      ; 165
load dram=0x4b00 dst=acc:92 rows=4 cols=8 stride=64 transpose=0 +push_next                           ; 166
vec op=MAX dst=acc:0 src1=acc:0 src2=acc:64 rows=32 cols=8 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_prev ; 167
load dram=0x3d20 dst=acc:64 rows=4 cols=8 stride=64 transpose=0 +pop_next                            ; 168
load dram=0x3f20 dst=acc:68 rows=4 cols=8 stride=64 transpose=0                                      ; 169
load dram=0x4120 dst=acc:72 rows=4 cols=8 stride=64 transpose=0                                      ; 170
load dram=0x4320 dst=acc:76 rows=4 cols=8 stride=64 transpose=0                                      ; 171
load dram=0x4520 dst=acc:80 rows=4 cols=8 stride=64 transpose=0                                      ; 172
load dram=0x4720 dst=acc:84 rows=4 cols=8 stride=64 transpose=0                                      ; 173
load dram=0x4920 dst=acc:88 rows=4 cols=8 stride=64 transpose=0                                      ; 174
load dram=0x4b20 dst=acc:92 rows=4 cols=8 stride=64 transpose=0 +push_next                           ; 175
vec op=MAX dst=acc:0 src1=acc:0 src2=acc:64 rows=32 cols=8 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_next ; 176
store dram=0x4c00 src=acc:0 rows=4 cols=8 stride=32 transpose=0 +pop_prev                            ; 177
store dram=0x4c80 src=acc:4 rows=4 cols=8 stride=32 transpose=0                                      ; 178
store dram=0x4d00 src=acc:8 rows=4 cols=8 stride=32 transpose=0                                      ; 179
store dram=0x4d80 src=acc:12 rows=4 cols=8 stride=32 transpose=0                                     ; 180
store dram=0x4e00 src=acc:16 rows=4 cols=8 stride=32 transpose=0                                     ; 181
store dram=0x4e80 src=acc:20 rows=4 cols=8 stride=32 transpose=0                                     ; 182
store dram=0x4f00 src=acc:24 rows=4 cols=8 stride=32 transpose=0                                     ; 183
store dram=0x4f80 src=acc:28 rows=4 cols=8 stride=32 transpose=0 +push_prev                          ; 184
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 185
load dram=0x4c00 dst=acc:0 rows=16 cols=16 stride=64 transpose=0 +pop_next +push_next                ; 186
vec op=COPY dst=sp:0 src1=acc:0 src2=acc:0 rows=16 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_prev +push_next ; 187
store dram=0x3c00 src=sp:0 rows=16 cols=16 stride=32 transpose=0 +pop_prev +push_prev                ; 188
.tag conv4.w forward
load dram=0x380 dst=acc:0 rows=72 cols=16 stride=64 transpose=0 +pop_next +push_next                 ; 189
vec op=COPY dst=sp:0 src1=acc:0 src2=acc:0 rows=72 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_next ; 190
store dram=0x3e00 src=sp:0 rows=72 cols=16 stride=32 transpose=0 +pop_prev +push_prev                ; 191
.tag conv4 forward
vec op=SET dst=sp:0 src1=sp:0 src2=sp:0 rows=36 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_next ; 192
store dram=0x5dc0 src=sp:0 rows=36 cols=16 stride=32 transpose=0 +pop_prev +push_prev                ; 193
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 194
load dram=0x3c00 dst=sp:36 rows=4 cols=16 stride=64 transpose=0 +pop_next                            ; 195
load dram=0x3c20 dst=sp:290 rows=4 cols=16 stride=64 transpose=0                                     ; 196
load dram=0x3d00 dst=sp:544 rows=4 cols=16 stride=64 transpose=0                                     ; 197
load dram=0x3d20 dst=sp:798 rows=4 cols=16 stride=64 transpose=0 +push_next                          ; 198
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_next ; 199
store dram=0x5e30 src=sp:36 rows=4 cols=16 stride=96 transpose=0 +pop_prev                           ; 200
store dram=0x5e50 src=sp:290 rows=4 cols=16 stride=96 transpose=0                                    ; 201
store dram=0x6070 src=sp:544 rows=4 cols=16 stride=96 transpose=0                                    ; 202
store dram=0x6090 src=sp:798 rows=4 cols=16 stride=96 transpose=0 +push_prev                         ; 203
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 204
load dram=0x5dc0 dst=sp:1052 rows=4 cols=16 stride=16 transpose=0 +pop_next                          ; 205
load dram=0x5de0 dst=sp:1306 rows=4 cols=8 stride=16 transpose=0                                     ; 206
load dram=0x5e20 dst=sp:1560 rows=4 cols=16 stride=16 transpose=0                                    ; 207
load dram=0x5e40 dst=sp:1814 rows=4 cols=8 stride=16 transpose=0                                     ; 208
load dram=0x5e80 dst=sp:36 rows=4 cols=16 stride=16 transpose=0                                      ; 209
load dram=0x5ea0 dst=sp:290 rows=4 cols=8 stride=16 transpose=0                                      ; 210
load dram=0x5e20 dst=sp:544 rows=4 cols=16 stride=16 transpose=0                                     ; 211
load dram=0x5e40 dst=sp:798 rows=4 cols=8 stride=16 transpose=0 +push_next                           ; 212
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_next ; 213
store dram=0x6240 src=sp:1052 rows=4 cols=16 stride=144 transpose=0 +pop_prev                        ; 214
store dram=0x6260 src=sp:1306 rows=4 cols=8 stride=144 transpose=0                                   ; 215
store dram=0x6270 src=sp:1560 rows=4 cols=16 stride=144 transpose=0                                  ; 216
store dram=0x6290 src=sp:1814 rows=4 cols=8 stride=144 transpose=0                                   ; 217
store dram=0x62a0 src=sp:36 rows=4 cols=16 stride=144 transpose=0                                    ; 218
store dram=0x62c0 src=sp:290 rows=4 cols=8 stride=144 transpose=0                                    ; 219
store dram=0x6480 src=sp:544 rows=4 cols=16 stride=144 transpose=0                                   ; 220
store dram=0x64a0 src=sp:798 rows=4 cols=8 stride=144 transpose=0 +push_prev                         ; 221
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 222
load dram=0x5e80 dst=sp:1052 rows=4 cols=16 stride=16 transpose=0 +pop_next                          ; 223
load dram=0x5ea0 dst=sp:1306 rows=4 cols=8 stride=16 transpose=0                                     ; 224
load dram=0x5ee0 dst=sp:1560 rows=4 cols=16 stride=16 transpose=0                                    ; 225
load dram=0x5f00 dst=sp:1814 rows=4 cols=8 stride=16 transpose=0                                     ; 226
load dram=0x5e80 dst=sp:36 rows=4 cols=16 stride=16 transpose=0                                      ; 227
load dram=0x5ea0 dst=sp:290 rows=4 cols=8 stride=16 transpose=0                                      ; 228
load dram=0x5ee0 dst=sp:544 rows=4 cols=16 stride=16 transpose=0                                     ; 229
load dram=0x5f00 dst=sp:798 rows=4 cols=8 stride=16 transpose=0 +push_next                           ; 230
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_next ; 231
store dram=0x64b0 src=sp:1052 rows=4 cols=16 stride=144 transpose=0 +pop_prev                        ; 232
store dram=0x64d0 src=sp:1306 rows=4 cols=8 stride=144 transpose=0                                   ; 233
store dram=0x64e0 src=sp:1560 rows=4 cols=16 stride=144 transpose=0                                  ; 234
store dram=0x6500 src=sp:1814 rows=4 cols=8 stride=144 transpose=0                                   ; 235
store dram=0x66c0 src=sp:36 rows=4 cols=16 stride=144 transpose=0                                    ; 236
store dram=0x66e0 src=sp:290 rows=4 cols=8 stride=144 transpose=0                                    ; 237
store dram=0x66f0 src=sp:544 rows=4 cols=16 stride=144 transpose=0                                   ; 238
store dram=0x6710 src=sp:798 rows=4 cols=8 stride=144 transpose=0 +push_prev                         ; 239
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 240
load dram=0x5f40 dst=sp:1052 rows=4 cols=16 stride=16 transpose=0 +pop_next                          ; 241
load dram=0x5f60 dst=sp:1306 rows=4 cols=8 stride=16 transpose=0                                     ; 242
load dram=0x5ee0 dst=sp:1560 rows=4 cols=16 stride=16 transpose=0                                    ; 243
load dram=0x5f00 dst=sp:1814 rows=4 cols=8 stride=16 transpose=0                                     ; 244
load dram=0x5f40 dst=sp:36 rows=4 cols=16 stride=16 transpose=0                                      ; 245
load dram=0x5f60 dst=sp:290 rows=4 cols=8 stride=16 transpose=0                                      ; 246
load dram=0x5fa0 dst=sp:544 rows=4 cols=16 stride=16 transpose=0                                     ; 247
load dram=0x5fc0 dst=sp:798 rows=4 cols=8 stride=16 transpose=0 +push_next                           ; 248
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_next ; 249
store dram=0x6720 src=sp:1052 rows=4 cols=16 stride=144 transpose=0 +pop_prev                        ; 250
store dram=0x6740 src=sp:1306 rows=4 cols=8 stride=144 transpose=0                                   ; 251
store dram=0x6900 src=sp:1560 rows=4 cols=16 stride=144 transpose=0                                  ; 252
store dram=0x6920 src=sp:1814 rows=4 cols=8 stride=144 transpose=0                                   ; 253
store dram=0x6930 src=sp:36 rows=4 cols=16 stride=144 transpose=0                                    ; 254
store dram=0x6950 src=sp:290 rows=4 cols=8 stride=144 transpose=0                                    ; 255
store dram=0x6960 src=sp:544 rows=4 cols=16 stride=144 transpose=0                                   ; 256
store dram=0x6980 src=sp:798 rows=4 cols=8 stride=144 transpose=0 +push_prev                         ; 257
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 258
load dram=0x6000 dst=sp:1052 rows=4 cols=16 stride=16 transpose=0 +pop_next                          ; 259
load dram=0x6020 dst=sp:1306 rows=4 cols=8 stride=16 transpose=0                                     ; 260
load dram=0x6060 dst=sp:1560 rows=4 cols=16 stride=16 transpose=0                                    ; 261
load dram=0x6080 dst=sp:1814 rows=4 cols=8 stride=16 transpose=0                                     ; 262
load dram=0x60c0 dst=sp:36 rows=4 cols=16 stride=16 transpose=0                                      ; 263
load dram=0x60e0 dst=sp:290 rows=4 cols=8 stride=16 transpose=0                                      ; 264
load dram=0x6060 dst=sp:544 rows=4 cols=16 stride=16 transpose=0                                     ; 265
load dram=0x6080 dst=sp:798 rows=4 cols=8 stride=16 transpose=0 +push_next                           ; 266
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_next ; 267
store dram=0x6b40 src=sp:1052 rows=4 cols=16 stride=144 transpose=0 +pop_prev                        ; 268
store dram=0x6b60 src=sp:1306 rows=4 cols=8 stride=144 transpose=0                                   ; 269
store dram=0x6b70 src=sp:1560 rows=4 cols=16 stride=144 transpose=0                                  ; 270
store dram=0x6b90 src=sp:1814 rows=4 cols=8 stride=144 transpose=0                                   ; 271
store dram=0x6ba0 src=sp:36 rows=4 cols=16 stride=144 transpose=0                                    ; 272
store dram=0x6bc0 src=sp:290 rows=4 cols=8 stride=144 transpose=0                                    ; 273
store dram=0x6d80 src=sp:544 rows=4 cols=16 stride=144 transpose=0                                   ; 274
store dram=0x6da0 src=sp:798 rows=4 cols=8 stride=144 transpose=0 +push_prev                         ; 275
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 276
load dram=0x60c0 dst=sp:1052 rows=4 cols=16 stride=16 transpose=0 +pop_next                          ; 277
load dram=0x60e0 dst=sp:1306 rows=4 cols=8 stride=16 transpose=0                                     ; 278
load dram=0x6120 dst=sp:1560 rows=4 cols=16 stride=16 transpose=0                                    ; 279
load dram=0x6140 dst=sp:1814 rows=4 cols=8 stride=16 transpose=0                                     ; 280
load dram=0x60c0 dst=sp:36 rows=4 cols=16 stride=16 transpose=0                                      ; 281
load dram=0x60e0 dst=sp:290 rows=4 cols=8 stride=16 transpose=0                                      ; 282
load dram=0x6120 dst=sp:544 rows=4 cols=16 stride=16 transpose=0                                     ; 283
load dram=0x6140 dst=sp:798 rows=4 cols=8 stride=16 transpose=0 +push_next                           ; 284
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_next ; 285
store dram=0x6db0 src=sp:1052 rows=4 cols=16 stride=144 transpose=0 +pop_prev                        ; 286
store dram=0x6dd0 src=sp:1306 rows=4 cols=8 stride=144 transpose=0                                   ; 287
store dram=0x6de0 src=sp:1560 rows=4 cols=16 stride=144 transpose=0                                  ; 288
store dram=0x6e00 src=sp:1814 rows=4 cols=8 stride=144 transpose=0                                   ; 289
store dram=0x6fc0 src=sp:36 rows=4 cols=16 stride=144 transpose=0                                    ; 290
store dram=0x6fe0 src=sp:290 rows=4 cols=8 stride=144 transpose=0                                    ; 291
store dram=0x6ff0 src=sp:544 rows=4 cols=16 stride=144 transpose=0                                   ; 292
store dram=0x7010 src=sp:798 rows=4 cols=8 stride=144 transpose=0 +push_prev                         ; 293
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 294
load dram=0x6180 dst=sp:1052 rows=4 cols=16 stride=16 transpose=0 +pop_next                          ; 295
load dram=0x61a0 dst=sp:1306 rows=4 cols=8 stride=16 transpose=0                                     ; 296
load dram=0x6120 dst=sp:1560 rows=4 cols=16 stride=16 transpose=0                                    ; 297
load dram=0x6140 dst=sp:1814 rows=4 cols=8 stride=16 transpose=0                                     ; 298
load dram=0x6180 dst=sp:36 rows=4 cols=16 stride=16 transpose=0                                      ; 299
load dram=0x61a0 dst=sp:290 rows=4 cols=8 stride=16 transpose=0                                      ; 300
load dram=0x61e0 dst=sp:544 rows=4 cols=16 stride=16 transpose=0                                     ; 301
load dram=0x6200 dst=sp:798 rows=4 cols=8 stride=16 transpose=0 +push_next                           ; 302
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_next ; 303
store dram=0x7020 src=sp:1052 rows=4 cols=16 stride=144 transpose=0 +pop_prev                        ; 304
store dram=0x7040 src=sp:1306 rows=4 cols=8 stride=144 transpose=0                                   ; 305
store dram=0x7200 src=sp:1560 rows=4 cols=16 stride=144 transpose=0                                  ; 306
store dram=0x7220 src=sp:1814 rows=4 cols=8 stride=144 transpose=0                                   ; 307
store dram=0x7230 src=sp:36 rows=4 cols=16 stride=144 transpose=0                                    ; 308
store dram=0x7250 src=sp:290 rows=4 cols=8 stride=144 transpose=0                                    ; 309
store dram=0x7260 src=sp:544 rows=4 cols=16 stride=144 transpose=0                                   ; 310
store dram=0x7280 src=sp:798 rows=4 cols=8 stride=144 transpose=0 +push_prev                         ; 311
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 312
load dram=0x6240 dst=sp:0 rows=32 cols=16 stride=144 transpose=0 +pop_next                           ; 313
load dram=0x6260 dst=sp:32 rows=32 cols=16 stride=144 transpose=0                                    ; 314
load dram=0x6280 dst=sp:64 rows=32 cols=16 stride=144 transpose=0                                    ; 315
load dram=0x62a0 dst=sp:96 rows=32 cols=16 stride=144 transpose=0                                    ; 316
load dram=0x62c0 dst=sp:128 rows=32 cols=8 stride=144 transpose=0                                    ; 317
load dram=0x3e00 dst=sp:160 rows=16 cols=16 stride=32 transpose=0 +push_next                         ; 318
preload src=160 rows=16 cols=16 +pop_prev +push_prev                                                 ; 319
matmul x=0 y=0 out=0 t=32 rows=16 cols=16 accumulate=0                                               ; 320
load dram=0x4000 dst=sp:176 rows=16 cols=16 stride=32 transpose=0 +push_next                         ; 321
preload src=176 rows=16 cols=16 +pop_prev                                                            ; 322
matmul x=32 y=0 out=0 t=32 rows=16 cols=16 accumulate=1 +push_prev                                   ; 323
load dram=0x4200 dst=sp:160 rows=16 cols=16 stride=32 transpose=0 +pop_next +push_next               ; 324
preload src=160 rows=16 cols=16 +pop_prev                                                            ; 325
matmul x=64 y=0 out=0 t=32 rows=16 cols=16 accumulate=1 +push_prev                                   ; 326
load dram=0x4400 dst=sp:176 rows=16 cols=16 stride=32 transpose=0 +pop_next +push_next               ; 327
preload src=176 rows=16 cols=16 +pop_prev                                                            ; 328
matmul x=96 y=0 out=0 t=32 rows=16 cols=16 accumulate=1                                              ; 329
load dram=0x4600 dst=sp:160 rows=8 cols=16 stride=32 transpose=0 +pop_next +push_next                ; 330
preload src=160 rows=8 cols=16 +pop_prev                                                             ; 331
matmul x=128 y=0 out=0 t=32 rows=8 cols=16 accumulate=1 +push_next                                   ; 332
store dram=0x4700 src=acc:0 rows=32 cols=16 stride=64 transpose=0 +pop_prev +push_prev               ; 333
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 334
load dram=0x1580 dst=acc:0 rows=1 cols=16 stride=64 transpose=0 +pop_next                            ; 335
load dram=0x4700 dst=acc:1 rows=32 cols=16 stride=64 transpose=0 +push_next                          ; 336
vec op=ADD dst=acc:1 src1=acc:1 src2=acc:0 rows=32 cols=16 bcast1=0 bcast2=1 imm=0.0 +pop_prev +push_next ; 337
store dram=0x3c00 src=acc:1 rows=32 cols=16 stride=64 transpose=0 +pop_prev +push_prev               ; 338
.tag relu5 forward
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 339
load dram=0x3c00 dst=acc:0 rows=32 cols=16 stride=64 transpose=0 +pop_next +push_next                ; 340
vec op=RELU dst=acc:0 src1=acc:0 src2=acc:0 rows=32 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_next ; 341
store dram=0x4400 src=acc:0 rows=32 cols=16 stride=64 transpose=0 +pop_prev +push_prev               ; 342
.tag maxpool2d6 forward
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 343
load dram=0x4400 dst=acc:0 rows=2 cols=16 stride=128 transpose=0 +pop_next                           ; 344
load dram=0x4600 dst=acc:2 rows=2 cols=16 stride=128 transpose=0                                     ; 345
load dram=0x4800 dst=acc:4 rows=2 cols=16 stride=128 transpose=0                                     ; 346
load dram=0x4a00 dst=acc:6 rows=2 cols=16 stride=128 transpose=0                                     ; 347
load dram=0x4440 dst=acc:16 rows=2 cols=16 stride=128 transpose=0                                    ; 348
load dram=0x4640 dst=acc:18 rows=2 cols=16 stride=128 transpose=0                                    ; 349
load dram=0x4840 dst=acc:20 rows=2 cols=16 stride=128 transpose=0                                    ; 350
load dram=0x4a40 dst=acc:22 rows=2 cols=16 stride=128 transpose=0 +push_next                         ; 351
vec op=MAX dst=acc:0 src1=acc:0 src2=acc:16 rows=8 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_prev ; 352
load dram=0x4500 dst=acc:16 rows=2 cols=16 stride=128 transpose=0 +pop_next                          ; 353
load dram=0x4700 dst=acc:18 rows=2 cols=16 stride=128 transpose=0                                    ; 354
load dram=0x4900 dst=acc:20 rows=2 cols=16 stride=128 transpose=0                                    ; 355
load dram=0x4b00 dst=acc:22 rows=2 cols=16 stride=128 transpose=0 +push_next                         ; 356
vec op=MAX dst=acc:0 src1=acc:0 src2=acc:16 rows=8 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_prev ; 357
load dram=0x4540 dst=acc:16 rows=2 cols=16 stride=128 transpose=0 +pop_next                          ; 358
load dram=0x4740 dst=acc:18 rows=2 cols=16 stride=128 transpose=0                                    ; 359
load dram=0x4940 dst=acc:20 rows=2 cols=16 stride=128 transpose=0                                    ; 360
load dram=0x4b40 dst=acc:22 rows=2 cols=16 stride=128 transpose=0 +push_next                         ; 361
vec op=MAX dst=acc:0 src1=acc:0 src2=acc:16 rows=8 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_next ; 362
store dram=0x3c00 src=acc:0 rows=2 cols=16 stride=64 transpose=0 +pop_prev                           ; 363
store dram=0x3c80 src=acc:2 rows=2 cols=16 stride=64 transpose=0                                     ; 364
store dram=0x3d00 src=acc:4 rows=2 cols=16 stride=64 transpose=0                                     ; 365
store dram=0x3d80 src=acc:6 rows=2 cols=16 stride=64 transpose=0 +push_prev                          ; 366
.tag reshape7 forward
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 367
load dram=0x3c00 dst=acc:0 rows=8 cols=16 stride=64 transpose=0 +pop_next +push_next                 ; 368
vec op=COPY dst=sp:0 src1=acc:0 src2=acc:0 rows=8 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_prev +push_next ; 369
store dram=0x3e00 src=sp:0 rows=8 cols=16 stride=32 transpose=0 +pop_prev +push_prev                 ; 370
.tag dense8.w forward
load dram=0x15c0 dst=acc:0 rows=128 cols=16 stride=64 transpose=0 +pop_next +push_next               ; 371
vec op=COPY dst=sp:0 src1=acc:0 src2=acc:0 rows=128 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_next ; 372
store dram=0x3f00 src=sp:0 rows=128 cols=16 stride=32 transpose=0 +pop_prev +push_prev               ; 373
.tag dense8 forward
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 374
load dram=0x3e00 dst=sp:0 rows=2 cols=16 stride=128 transpose=0 +pop_next                            ; 375
load dram=0x3e20 dst=sp:2 rows=2 cols=16 stride=128 transpose=0                                      ; 376
load dram=0x3e40 dst=sp:4 rows=2 cols=16 stride=128 transpose=0                                      ; 377
load dram=0x3e60 dst=sp:6 rows=2 cols=16 stride=128 transpose=0                                      ; 378
load dram=0x3f00 dst=sp:8 rows=16 cols=16 stride=64 transpose=0 +push_next                           ; 379
preload src=8 rows=16 cols=16 +pop_prev +push_prev                                                   ; 380
matmul x=0 y=0 out=0 t=2 rows=16 cols=16 accumulate=0                                                ; 381
load dram=0x3f20 dst=sp:24 rows=16 cols=16 stride=64 transpose=0 +push_next                          ; 382
preload src=24 rows=16 cols=16 +pop_prev                                                             ; 383
matmul x=0 y=0 out=2 t=2 rows=16 cols=16 accumulate=0 +push_prev                                     ; 384
load dram=0x4300 dst=sp:8 rows=16 cols=16 stride=64 transpose=0 +pop_next +push_next                 ; 385
preload src=8 rows=16 cols=16 +pop_prev                                                              ; 386
matmul x=2 y=0 out=0 t=2 rows=16 cols=16 accumulate=1 +push_prev                                     ; 387
load dram=0x4320 dst=sp:24 rows=16 cols=16 stride=64 transpose=0 +pop_next +push_next                ; 388
preload src=24 rows=16 cols=16 +pop_prev                                                             ; 389
matmul x=2 y=0 out=2 t=2 rows=16 cols=16 accumulate=1 +push_prev                                     ; 390
load dram=0x4700 dst=sp:8 rows=16 cols=16 stride=64 transpose=0 +pop_next +push_next                 ; 391
preload src=8 rows=16 cols=16 +pop_prev                                                              ; 392
matmul x=4 y=0 out=0 t=2 rows=16 cols=16 accumulate=1 +push_prev                                     ; 393
load dram=0x4720 dst=sp:24 rows=16 cols=16 stride=64 transpose=0 +pop_next +push_next                ; 394
preload src=24 rows=16 cols=16 +pop_prev                                                             ; 395
matmul x=4 y=0 out=2 t=2 rows=16 cols=16 accumulate=1 +push_prev                                     ; 396
load dram=0x4b00 dst=sp:8 rows=16 cols=16 stride=64 transpose=0 +pop_next +push_next                 ; 397
preload src=8 rows=16 cols=16 +pop_prev                                                              ; 398
matmul x=6 y=0 out=0 t=2 rows=16 cols=16 accumulate=1 +push_next                                     ; 399
load dram=0x4b20 dst=sp:24 rows=16 cols=16 stride=64 transpose=0 +pop_next +push_next                ; 400
preload src=24 rows=16 cols=16 +pop_prev                                                             ; 401
matmul x=6 y=0 out=2 t=2 rows=16 cols=16 accumulate=1 +push_next                                     ; 402
store dram=0x3c00 src=acc:0 rows=2 cols=16 stride=128 transpose=0 +pop_prev                          ; 403
store dram=0x3c40 src=acc:2 rows=2 cols=16 stride=128 transpose=0 +pop_prev +push_prev               ; 404
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 405
load dram=0x35c0 dst=acc:0 rows=1 cols=16 stride=64 transpose=0 +pop_next                            ; 406
load dram=0x3c00 dst=acc:1 rows=2 cols=16 stride=128 transpose=0 +push_next                          ; 407
vec op=ADD dst=acc:1 src1=acc:1 src2=acc:0 rows=2 cols=16 bcast1=0 bcast2=1 imm=0.0 +pop_prev +push_prev +push_next ; 408
store dram=0x3d00 src=acc:1 rows=2 cols=16 stride=128 transpose=0 +pop_prev                          ; 409
load dram=0x3600 dst=acc:0 rows=1 cols=16 stride=64 transpose=0 +pop_next                            ; 410
load dram=0x3c40 dst=acc:3 rows=2 cols=16 stride=128 transpose=0 +push_next                          ; 411
vec op=ADD dst=acc:3 src1=acc:3 src2=acc:0 rows=2 cols=16 bcast1=0 bcast2=1 imm=0.0 +pop_prev +push_next ; 412
store dram=0x3d40 src=acc:3 rows=2 cols=16 stride=128 transpose=0 +pop_prev +push_prev               ; 413
.tag relu9 forward
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 414
load dram=0x3d00 dst=acc:0 rows=4 cols=16 stride=64 transpose=0 +pop_next +push_next                 ; 415
vec op=RELU dst=acc:0 src1=acc:0 src2=acc:0 rows=4 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_next ; 416
store dram=0x3c00 src=acc:0 rows=4 cols=16 stride=64 transpose=0 +pop_prev +push_prev                ; 417
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 418
load dram=0x3c00 dst=acc:0 rows=4 cols=16 stride=64 transpose=0 +pop_next +push_next                 ; 419
vec op=COPY dst=sp:0 src1=acc:0 src2=acc:0 rows=4 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_prev +push_next ; 420
store dram=0x3d00 src=sp:0 rows=4 cols=16 stride=32 transpose=0 +pop_prev +push_prev                 ; 421
.tag dense10.w forward
load dram=0x3640 dst=acc:0 rows=20 cols=16 stride=64 transpose=0 +pop_next +push_next                ; 422
vec op=COPY dst=sp:0 src1=acc:0 src2=acc:0 rows=20 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_next ; 423
store dram=0x3d80 src=sp:0 rows=20 cols=16 stride=32 transpose=0 +pop_prev +push_prev                ; 424
.tag dense10 forward
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 425
load dram=0x3d00 dst=sp:0 rows=2 cols=16 stride=64 transpose=0 +pop_next                             ; 426
load dram=0x3d20 dst=sp:2 rows=2 cols=16 stride=64 transpose=0                                       ; 427
load dram=0x3d80 dst=sp:4 rows=16 cols=10 stride=20 transpose=0 +push_next                           ; 428
preload src=4 rows=16 cols=10 +pop_prev                                                              ; 429
matmul x=0 y=0 out=0 t=2 rows=16 cols=10 accumulate=0                                                ; 430
load dram=0x3ec0 dst=sp:20 rows=16 cols=10 stride=20 transpose=0 +push_next                          ; 431
preload src=20 rows=16 cols=10 +pop_prev                                                             ; 432
matmul x=2 y=0 out=0 t=2 rows=16 cols=10 accumulate=1 +push_next                                     ; 433
store dram=0x3c00 src=acc:0 rows=2 cols=10 stride=40 transpose=0 +pop_prev +push_prev                ; 434
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 435
load dram=0x3b40 dst=acc:0 rows=1 cols=10 stride=40 transpose=0 +pop_next                            ; 436
load dram=0x3c00 dst=acc:1 rows=2 cols=10 stride=40 transpose=0 +push_next                           ; 437
vec op=ADD dst=acc:1 src1=acc:1 src2=acc:0 rows=2 cols=10 bcast1=0 bcast2=1 imm=0.0 +pop_prev +push_next ; 438
store dram=0x3b80 src=acc:1 rows=2 cols=10 stride=40 transpose=0 +pop_prev                           ; 439
halt                                                                                                 ; 440
