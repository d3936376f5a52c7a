.chip edge
.tensor x addr=0x0 shape=2x8x8x1 dtype=fp32 kind=input role=input
.tensor conv1.w addr=0x200 shape=3x3x1x8 dtype=fp32 kind=param role=param
.tensor conv1.b addr=0x340 shape=8 dtype=fp32 kind=param role=param
.tensor conv4.w addr=0x380 shape=3x3x8x16 dtype=fp32 kind=param role=param
.tensor conv4.b addr=0x1580 shape=16 dtype=fp32 kind=param role=param
.tensor dense8.w addr=0x15c0 shape=64x32 dtype=fp32 kind=param role=param
.tensor dense8.b addr=0x35c0 shape=32 dtype=fp32 kind=param role=param
.tensor dense10.w addr=0x3640 shape=32x10 dtype=fp32 kind=param role=param
.tensor dense10.b addr=0x3b40 shape=10 dtype=fp32 kind=param role=param
.tensor logits addr=0x3b80 shape=2x10 dtype=fp32 kind=output role=output
.tensor __scratch addr=0x3c00 shape=5568 dtype=int8 kind=scratch role=scratch
.tensor __temp addr=0x51c0 shape=6848 dtype=int8 kind=scratch role=scratch
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
vec op=SET dst=sp:0 src1=sp:0 src2=sp:0 rows=13 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_next ; 9
store dram=0x51c0 src=sp:0 rows=13 cols=16 stride=32 transpose=0 +pop_prev                           ; 10
store dram=0x5360 src=sp:0 rows=1 cols=15 stride=30 transpose=0 +push_prev                           ; 11
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 12
load dram=0x3c00 dst=sp:13 rows=8 cols=8 stride=16 transpose=0 +pop_next                             ; 13
load dram=0x3c80 dst=sp:268 rows=8 cols=8 stride=16 transpose=0 +push_next                           ; 14
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_next ; 15
store dram=0x51d6 src=sp:13 rows=8 cols=8 stride=20 transpose=0 +pop_prev                            ; 16
store dram=0x529e src=sp:268 rows=8 cols=8 stride=20 transpose=0 +push_prev                          ; 17
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 18
load dram=0x51c0 dst=sp:0 rows=200 cols=3 stride=2 transpose=0 +pop_next                             ; 19
load dram=0x51d4 dst=sp:200 rows=200 cols=3 stride=2 transpose=0                                     ; 20
load dram=0x51e8 dst=sp:400 rows=200 cols=3 stride=2 transpose=0                                     ; 21
load dram=0x3d00 dst=sp:600 rows=3 cols=8 stride=16 transpose=0 +push_next                           ; 22
preload src=600 rows=3 cols=8 +pop_prev +push_prev                                                   ; 23
matmul x=0 y=0 out=255 t=200 rows=3 cols=8 accumulate=0                                              ; 24
load dram=0x3d30 dst=sp:616 rows=3 cols=8 stride=16 transpose=0 +push_next                           ; 25
preload src=616 rows=3 cols=8 +pop_prev                                                              ; 26
matmul x=200 y=0 out=255 t=200 rows=3 cols=8 accumulate=1                                            ; 27
load dram=0x3d60 dst=sp:600 rows=3 cols=8 stride=16 transpose=0 +pop_next +push_next                 ; 28
preload src=600 rows=3 cols=8 +pop_prev                                                              ; 29
matmul x=400 y=0 out=255 t=200 rows=3 cols=8 accumulate=1                                            ; 30
load dram=0x340 dst=acc:254 rows=1 cols=8 stride=32 transpose=0 +push_next                           ; 31
vec op=ADD dst=acc:0 src1=acc:255 src2=acc:254 rows=127 cols=8 bcast1=0 bcast2=1 imm=0.0 +pop_prev   ; 32
vec op=RELU dst=acc:127 src1=acc:0 src2=acc:0 rows=127 cols=8 bcast1=0 bcast2=0 imm=0.0 +push_next   ; 33
store dram=0x3dc0 src=acc:127 rows=8 cols=8 stride=32 transpose=0 +pop_prev                          ; 34
store dram=0x3ec0 src=acc:137 rows=8 cols=8 stride=32 transpose=0                                    ; 35
store dram=0x3fc0 src=acc:147 rows=8 cols=8 stride=32 transpose=0                                    ; 36
store dram=0x40c0 src=acc:157 rows=8 cols=8 stride=32 transpose=0                                    ; 37
store dram=0x41c0 src=acc:167 rows=8 cols=8 stride=32 transpose=0                                    ; 38
store dram=0x42c0 src=acc:177 rows=8 cols=8 stride=32 transpose=0                                    ; 39
store dram=0x43c0 src=acc:187 rows=8 cols=8 stride=32 transpose=0                                    ; 40
store dram=0x44c0 src=acc:197 rows=8 cols=8 stride=32 transpose=0 +push_prev                         ; 41
store dram=0x45c0 src=acc:227 rows=8 cols=8 stride=32 transpose=0                                    ; 42
store dram=0x46c0 src=acc:237 rows=8 cols=8 stride=32 transpose=0                                    ; 43
store dram=0x47c0 src=acc:247 rows=7 cols=8 stride=32 transpose=0                                    ; 44
vec op=ADD dst=acc:0 src1=acc:382 src2=acc:254 rows=73 cols=8 bcast1=0 bcast2=1 imm=0.0              ; 45
vec op=RELU dst=acc:127 src1=acc:0 src2=acc:0 rows=73 cols=8 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_next ; 46
store dram=0x48a0 src=acc:127 rows=1 cols=8 stride=32 transpose=0 +pop_prev                          ; 47
store dram=0x48c0 src=acc:130 rows=8 cols=8 stride=32 transpose=0                                    ; 48
store dram=0x49c0 src=acc:140 rows=8 cols=8 stride=32 transpose=0                                    ; 49
store dram=0x4ac0 src=acc:150 rows=8 cols=8 stride=32 transpose=0                                    ; 50
store dram=0x4bc0 src=acc:160 rows=8 cols=8 stride=32 transpose=0                                    ; 51
store dram=0x4cc0 src=acc:170 rows=8 cols=8 stride=32 transpose=0 +push_prev                         ; 52
.tag maxpool2d3 forward
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 53
load dram=0x3dc0 dst=acc:0 rows=4 cols=8 stride=64 transpose=0 +pop_next                             ; 54
load dram=0x3fc0 dst=acc:4 rows=4 cols=8 stride=64 transpose=0                                       ; 55
load dram=0x41c0 dst=acc:8 rows=4 cols=8 stride=64 transpose=0                                       ; 56
load dram=0x43c0 dst=acc:12 rows=4 cols=8 stride=64 transpose=0                                      ; 57
load dram=0x45c0 dst=acc:16 rows=4 cols=8 stride=64 transpose=0                                      ; 58
load dram=0x47c0 dst=acc:20 rows=4 cols=8 stride=64 transpose=0                                      ; 59
load dram=0x49c0 dst=acc:24 rows=4 cols=8 stride=64 transpose=0                                      ; 60
load dram=0x4bc0 dst=acc:28 rows=4 cols=8 stride=64 transpose=0                                      ; 61
load dram=0x3de0 dst=acc:64 rows=4 cols=8 stride=64 transpose=0                                      ; 62
load dram=0x3fe0 dst=acc:68 rows=4 cols=8 stride=64 transpose=0                                      ; 63
load dram=0x41e0 dst=acc:72 rows=4 cols=8 stride=64 transpose=0                                      ; 64
load dram=0x43e0 dst=acc:76 rows=4 cols=8 stride=64 transpose=0                                      ; 65
load dram=0x45e0 dst=acc:80 rows=4 cols=8 stride=64 transpose=0                                      ; 66
load dram=0x47e0 dst=acc:84 rows=4 cols=8 stride=64 transpose=0                                      ; 67
load dram=0x49e0 dst=acc:88 rows=4 cols=8 stride=64 transpose=0                                      ; 68
load dram=0x4be0 dst=acc:92 rows=4 cols=8 stride=64 transpose=0 +push_next                           ; 69
vec op=MAX dst=acc:0 src1=acc:0 src2=acc:64 rows=32 cols=8 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_prev ; 70
load dram=0x3ec0 dst=acc:64 rows=4 cols=8 stride=64 transpose=0 +pop_next                            ; 71
load dram=0x40c0 dst=acc:68 rows=4 cols=8 stride=64 transpose=0                                      ; 72
load dram=0x42c0 dst=acc:72 rows=4 cols=8 stride=64 transpose=0                                      ; 73
load dram=0x44c0 dst=acc:76 rows=4 cols=8 stride=64 transpose=0                                      ; 74
load dram=0x46c0 dst=acc:80 rows=4 cols=8 stride=64 transpose=0                                      ; 75
load dram=0x48c0 dst=acc:84 rows=4 cols=8 stride=64 transpose=0                                      ; 76
load dram=0x4ac0 dst=acc:88 rows=4 cols=8 stride=64 transpose=0                                      ; 77
load dram=0x4cc0 dst=acc:92 rows=4 cols=8 stride=64 transpose=0 +push_next                           ; 78
vec op=MAX dst=acc:0 src1=acc:0 src2=acc:64 rows=32 cols=8 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_prev ; 79
load dram=0x3ee0 dst=acc:64 rows=4 cols=8 stride=64 transpose=0 +pop_next                            ; 80
load dram=0x40e0 dst=acc:68 rows=4 cols=8 stride=64 transpose=0                                      ; 81
load dram=0x42e0 dst=acc:72 rows=4 cols=8 stride=64 transpose=0                                      ; 82
load dram=0x44e0 dst=acc:76 rows=4 cols=8 stride=64 transpose=0                                      ; 83
load dram=0x46e0 dst=acc:80 rows=4 cols=8 stride=64 transpose=0                                      ; 84
load dram=0x48e0 dst=acc:84 rows=4 cols=8 stride=64 transpose=0                                      ; 85
load dram=0x4ae0 dst=acc:88 rows=4 cols=8 stride=64 transpose=0                                      ; 86
load dram=0x4ce0 dst=acc:92 rows=4 cols=8 stride=64 transpose=0 +push_next                           ; 87
vec op=MAX dst=acc:0 src1=acc:0 src2=acc:64 rows=32 cols=8 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_next ; 88
store dram=0x4dc0 src=acc:0 rows=4 cols=8 stride=32 transpose=0 +pop_prev                            ; 89
store dram=0x4e40 src=acc:4 rows=4 cols=8 stride=32 transpose=0                                      ; 90
store dram=0x4ec0 src=acc:8 rows=4 cols=8 stride=32 transpose=0                                      ; 91
store dram=0x4f40 src=acc:12 rows=4 cols=8 stride=32 transpose=0                                     ; 92
store dram=0x4fc0 src=acc:16 rows=4 cols=8 stride=32 transpose=0                                     ; 93
store dram=0x5040 src=acc:20 rows=4 cols=8 stride=32 transpose=0                                     ; 94
store dram=0x50c0 src=acc:24 rows=4 cols=8 stride=32 transpose=0                                     ; 95
store dram=0x5140 src=acc:28 rows=4 cols=8 stride=32 transpose=0 +push_prev                          ; 96
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 97
load dram=0x4dc0 dst=acc:0 rows=16 cols=16 stride=64 transpose=0 +pop_next +push_next                ; 98
vec op=COPY dst=sp:0 src1=acc:0 src2=acc:0 rows=16 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_prev +push_next ; 99
store dram=0x3c00 src=sp:0 rows=16 cols=16 stride=32 transpose=0 +pop_prev +push_prev                ; 100
.tag conv4.w forward
load dram=0x380 dst=acc:0 rows=72 cols=16 stride=64 transpose=0 +pop_next +push_next                 ; 101
vec op=COPY dst=sp:0 src1=acc:0 src2=acc:0 rows=72 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_next ; 102
store dram=0x3e00 src=sp:0 rows=72 cols=16 stride=32 transpose=0 +pop_prev +push_prev                ; 103
.tag conv4 forward
vec op=SET dst=sp:0 src1=sp:0 src2=sp:0 rows=43 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_next ; 104
store dram=0x51c0 src=sp:0 rows=43 cols=16 stride=32 transpose=0 +pop_prev                           ; 105
store dram=0x5720 src=sp:0 rows=1 cols=8 stride=16 transpose=0 +push_prev                            ; 106
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 107
load dram=0x3c00 dst=sp:43 rows=4 cols=16 stride=64 transpose=0 +pop_next                            ; 108
load dram=0x3c20 dst=sp:297 rows=4 cols=16 stride=64 transpose=0                                     ; 109
load dram=0x3d00 dst=sp:551 rows=4 cols=16 stride=64 transpose=0                                     ; 110
load dram=0x3d20 dst=sp:805 rows=4 cols=16 stride=64 transpose=0 +push_next                          ; 111
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_next ; 112
store dram=0x5230 src=sp:43 rows=4 cols=16 stride=96 transpose=0 +pop_prev                           ; 113
store dram=0x5250 src=sp:297 rows=4 cols=16 stride=96 transpose=0                                    ; 114
store dram=0x5470 src=sp:551 rows=4 cols=16 stride=96 transpose=0                                    ; 115
store dram=0x5490 src=sp:805 rows=4 cols=16 stride=96 transpose=0 +push_prev                         ; 116
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 117
load dram=0x51c0 dst=sp:0 rows=72 cols=16 stride=16 transpose=0 +pop_next                            ; 118
load dram=0x51e0 dst=sp:72 rows=72 cols=8 stride=16 transpose=0                                      ; 119
load dram=0x5220 dst=sp:144 rows=72 cols=16 stride=16 transpose=0                                    ; 120
load dram=0x5240 dst=sp:216 rows=72 cols=8 stride=16 transpose=0                                     ; 121
load dram=0x5280 dst=sp:288 rows=72 cols=16 stride=16 transpose=0                                    ; 122
load dram=0x52a0 dst=sp:360 rows=72 cols=8 stride=16 transpose=0                                     ; 123
load dram=0x3e00 dst=sp:432 rows=16 cols=16 stride=32 transpose=0 +push_next                         ; 124
preload src=432 rows=16 cols=16 +pop_prev +push_prev                                                 ; 125
matmul x=0 y=0 out=65 t=72 rows=16 cols=16 accumulate=0                                              ; 126
load dram=0x4000 dst=sp:448 rows=8 cols=16 stride=32 transpose=0 +push_next                          ; 127
preload src=448 rows=8 cols=16 +pop_prev                                                             ; 128
matmul x=72 y=0 out=65 t=72 rows=8 cols=16 accumulate=1 +push_prev                                   ; 129
load dram=0x4100 dst=sp:432 rows=16 cols=16 stride=32 transpose=0 +pop_next +push_next               ; 130
preload src=432 rows=16 cols=16 +pop_prev                                                            ; 131
matmul x=144 y=0 out=65 t=72 rows=16 cols=16 accumulate=1 +push_prev                                 ; 132
load dram=0x4300 dst=sp:448 rows=8 cols=16 stride=32 transpose=0 +pop_next +push_next                ; 133
preload src=448 rows=8 cols=16 +pop_prev                                                             ; 134
matmul x=216 y=0 out=65 t=72 rows=8 cols=16 accumulate=1 +push_prev                                  ; 135
load dram=0x4400 dst=sp:432 rows=16 cols=16 stride=32 transpose=0 +pop_next +push_next               ; 136
preload src=432 rows=16 cols=16 +pop_prev                                                            ; 137
matmul x=288 y=0 out=65 t=72 rows=16 cols=16 accumulate=1                                            ; 138
load dram=0x4600 dst=sp:448 rows=8 cols=16 stride=32 transpose=0 +pop_next +push_next                ; 139
preload src=448 rows=8 cols=16 +pop_prev                                                             ; 140
matmul x=360 y=0 out=65 t=72 rows=8 cols=16 accumulate=1                                             ; 141
load dram=0x1580 dst=acc:64 rows=1 cols=16 stride=64 transpose=0 +push_next                          ; 142
vec op=ADD dst=acc:0 src1=acc:65 src2=acc:64 rows=32 cols=16 bcast1=0 bcast2=1 imm=0.0 +pop_prev     ; 143
vec op=RELU dst=acc:32 src1=acc:0 src2=acc:0 rows=32 cols=16 bcast1=0 bcast2=0 imm=0.0 +push_next    ; 144
store dram=0x4700 src=acc:32 rows=4 cols=16 stride=64 transpose=0 +pop_prev                          ; 145
store dram=0x4800 src=acc:38 rows=4 cols=16 stride=64 transpose=0                                    ; 146
store dram=0x4900 src=acc:44 rows=4 cols=16 stride=64 transpose=0                                    ; 147
store dram=0x4a00 src=acc:50 rows=4 cols=16 stride=64 transpose=0 +push_prev                         ; 148
vec op=ADD dst=acc:0 src1=acc:97 src2=acc:64 rows=32 cols=16 bcast1=0 bcast2=1 imm=0.0               ; 149
vec op=RELU dst=acc:32 src1=acc:0 src2=acc:0 rows=32 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_next ; 150
store dram=0x4b00 src=acc:36 rows=4 cols=16 stride=64 transpose=0 +pop_prev                          ; 151
store dram=0x4c00 src=acc:42 rows=4 cols=16 stride=64 transpose=0                                    ; 152
store dram=0x4d00 src=acc:48 rows=4 cols=16 stride=64 transpose=0                                    ; 153
store dram=0x4e00 src=acc:54 rows=4 cols=16 stride=64 transpose=0 +push_prev                         ; 154
vec op=ADD dst=acc:0 src1=acc:129 src2=acc:64 rows=8 cols=16 bcast1=0 bcast2=1 imm=0.0               ; 155
vec op=RELU dst=acc:32 src1=acc:0 src2=acc:0 rows=8 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 156
.tag maxpool2d6 forward
load dram=0x4700 dst=acc:0 rows=2 cols=16 stride=128 transpose=0 +pop_next                           ; 157
load dram=0x4900 dst=acc:2 rows=2 cols=16 stride=128 transpose=0                                     ; 158
load dram=0x4b00 dst=acc:4 rows=2 cols=16 stride=128 transpose=0                                     ; 159
load dram=0x4d00 dst=acc:6 rows=2 cols=16 stride=128 transpose=0                                     ; 160
load dram=0x4740 dst=acc:16 rows=2 cols=16 stride=128 transpose=0                                    ; 161
load dram=0x4940 dst=acc:18 rows=2 cols=16 stride=128 transpose=0                                    ; 162
load dram=0x4b40 dst=acc:20 rows=2 cols=16 stride=128 transpose=0                                    ; 163
load dram=0x4d40 dst=acc:22 rows=2 cols=16 stride=128 transpose=0 +push_next                         ; 164
vec op=MAX dst=acc:0 src1=acc:0 src2=acc:16 rows=8 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_prev ; 165
load dram=0x4800 dst=acc:16 rows=2 cols=16 stride=128 transpose=0 +pop_next                          ; 166
load dram=0x4a00 dst=acc:18 rows=2 cols=16 stride=128 transpose=0                                    ; 167
load dram=0x4c00 dst=acc:20 rows=2 cols=16 stride=128 transpose=0                                    ; 168
load dram=0x4e00 dst=acc:22 rows=2 cols=16 stride=128 transpose=0 +push_next                         ; 169
vec op=MAX dst=acc:0 src1=acc:0 src2=acc:16 rows=8 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_prev ; 170
load dram=0x4840 dst=acc:16 rows=2 cols=16 stride=128 transpose=0 +pop_next                          ; 171
load dram=0x4a40 dst=acc:18 rows=2 cols=16 stride=128 transpose=0                                    ; 172
load dram=0x4c40 dst=acc:20 rows=2 cols=16 stride=128 transpose=0                                    ; 173
load dram=0x4e40 dst=acc:22 rows=2 cols=16 stride=128 transpose=0 +push_next                         ; 174
vec op=MAX dst=acc:0 src1=acc:0 src2=acc:16 rows=8 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_next ; 175
store dram=0x3c00 src=acc:0 rows=2 cols=16 stride=64 transpose=0 +pop_prev                           ; 176
store dram=0x3c80 src=acc:2 rows=2 cols=16 stride=64 transpose=0                                     ; 177
store dram=0x3d00 src=acc:4 rows=2 cols=16 stride=64 transpose=0                                     ; 178
store dram=0x3d80 src=acc:6 rows=2 cols=16 stride=64 transpose=0 +push_prev                          ; 179
.tag reshape7 forward
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 180
load dram=0x3c00 dst=acc:0 rows=8 cols=16 stride=64 transpose=0 +pop_next +push_next                 ; 181
vec op=COPY dst=sp:0 src1=acc:0 src2=acc:0 rows=8 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_prev +push_next ; 182
store dram=0x3e00 src=sp:0 rows=8 cols=16 stride=32 transpose=0 +pop_prev +push_prev                 ; 183
.tag dense8.w forward
load dram=0x15c0 dst=acc:0 rows=128 cols=16 stride=64 transpose=0 +pop_next +push_next               ; 184
vec op=COPY dst=sp:0 src1=acc:0 src2=acc:0 rows=128 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_next ; 185
store dram=0x3f00 src=sp:0 rows=128 cols=16 stride=32 transpose=0 +pop_prev +push_prev               ; 186
.tag dense8 forward
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 187
load dram=0x3e00 dst=sp:2 rows=2 cols=16 stride=128 transpose=0 +pop_next                            ; 188
load dram=0x3e20 dst=sp:4 rows=2 cols=16 stride=128 transpose=0                                      ; 189
load dram=0x3e40 dst=sp:6 rows=2 cols=16 stride=128 transpose=0                                      ; 190
load dram=0x3e60 dst=sp:8 rows=2 cols=16 stride=128 transpose=0                                      ; 191
load dram=0x3f00 dst=sp:10 rows=16 cols=16 stride=64 transpose=0 +push_next                          ; 192
preload src=10 rows=16 cols=16 +pop_prev +push_prev                                                  ; 193
matmul x=2 y=0 out=5 t=2 rows=16 cols=16 accumulate=0                                                ; 194
load dram=0x4300 dst=sp:26 rows=16 cols=16 stride=64 transpose=0 +push_next                          ; 195
preload src=26 rows=16 cols=16 +pop_prev                                                             ; 196
matmul x=4 y=0 out=5 t=2 rows=16 cols=16 accumulate=1 +push_prev                                     ; 197
load dram=0x4700 dst=sp:10 rows=16 cols=16 stride=64 transpose=0 +pop_next +push_next                ; 198
preload src=10 rows=16 cols=16 +pop_prev                                                             ; 199
matmul x=6 y=0 out=5 t=2 rows=16 cols=16 accumulate=1 +push_prev                                     ; 200
load dram=0x4b00 dst=sp:26 rows=16 cols=16 stride=64 transpose=0 +pop_next +push_next                ; 201
preload src=26 rows=16 cols=16 +pop_prev                                                             ; 202
matmul x=8 y=0 out=5 t=2 rows=16 cols=16 accumulate=1 +push_prev                                     ; 203
load dram=0x35c0 dst=acc:4 rows=1 cols=16 stride=64 transpose=0 +push_next                           ; 204
vec op=ADD dst=acc:0 src1=acc:5 src2=acc:4 rows=2 cols=16 bcast1=0 bcast2=1 imm=0.0 +pop_prev        ; 205
vec op=RELU dst=acc:2 src1=acc:0 src2=acc:0 rows=2 cols=16 bcast1=0 bcast2=0 imm=0.0                 ; 206
vec op=COPY dst=sp:0 src1=acc:2 src2=acc:2 rows=2 cols=16 bcast1=0 bcast2=0 imm=0.0 +push_next       ; 207
store dram=0x3c00 src=sp:0 rows=2 cols=16 stride=64 transpose=0 +pop_prev +push_prev                 ; 208
load dram=0x3f20 dst=sp:10 rows=16 cols=16 stride=64 transpose=0 +pop_next +push_next                ; 209
preload src=10 rows=16 cols=16 +pop_prev +push_prev                                                  ; 210
matmul x=2 y=0 out=7 t=2 rows=16 cols=16 accumulate=0                                                ; 211
load dram=0x4320 dst=sp:26 rows=16 cols=16 stride=64 transpose=0 +pop_next +push_next                ; 212
preload src=26 rows=16 cols=16 +pop_prev                                                             ; 213
matmul x=4 y=0 out=7 t=2 rows=16 cols=16 accumulate=1 +push_prev                                     ; 214
load dram=0x4720 dst=sp:10 rows=16 cols=16 stride=64 transpose=0 +pop_next +push_next                ; 215
preload src=10 rows=16 cols=16 +pop_prev                                                             ; 216
matmul x=6 y=0 out=7 t=2 rows=16 cols=16 accumulate=1                                                ; 217
load dram=0x4b20 dst=sp:26 rows=16 cols=16 stride=64 transpose=0 +pop_next +push_next                ; 218
preload src=26 rows=16 cols=16 +pop_prev                                                             ; 219
matmul x=8 y=0 out=7 t=2 rows=16 cols=16 accumulate=1                                                ; 220
load dram=0x3600 dst=acc:4 rows=1 cols=16 stride=64 transpose=0 +push_next                           ; 221
vec op=ADD dst=acc:0 src1=acc:7 src2=acc:4 rows=2 cols=16 bcast1=0 bcast2=1 imm=0.0 +pop_prev        ; 222
vec op=RELU dst=acc:2 src1=acc:0 src2=acc:0 rows=2 cols=16 bcast1=0 bcast2=0 imm=0.0                 ; 223
vec op=COPY dst=sp:0 src1=acc:2 src2=acc:2 rows=2 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev +push_next ; 224
store dram=0x3c20 src=sp:0 rows=2 cols=16 stride=64 transpose=0 +pop_prev +push_prev                 ; 225
.tag dense10.w forward
load dram=0x3640 dst=acc:0 rows=20 cols=16 stride=64 transpose=0 +pop_next +push_next                ; 226
vec op=COPY dst=sp:0 src1=acc:0 src2=acc:0 rows=20 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_next ; 227
store dram=0x3c80 src=sp:0 rows=20 cols=16 stride=32 transpose=0 +pop_prev +push_prev                ; 228
.tag dense10 forward
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 229
load dram=0x3c00 dst=sp:0 rows=2 cols=16 stride=64 transpose=0 +pop_next                             ; 230
load dram=0x3c20 dst=sp:2 rows=2 cols=16 stride=64 transpose=0                                       ; 231
load dram=0x3c80 dst=sp:4 rows=16 cols=10 stride=20 transpose=0 +push_next                           ; 232
preload src=4 rows=16 cols=10 +pop_prev                                                              ; 233
matmul x=0 y=0 out=3 t=2 rows=16 cols=10 accumulate=0                                                ; 234
load dram=0x3dc0 dst=sp:20 rows=16 cols=10 stride=20 transpose=0 +push_next                          ; 235
preload src=20 rows=16 cols=10 +pop_prev                                                             ; 236
matmul x=2 y=0 out=3 t=2 rows=16 cols=10 accumulate=1                                                ; 237
load dram=0x3b40 dst=acc:2 rows=1 cols=10 stride=40 transpose=0 +push_next                           ; 238
vec op=ADD dst=acc:0 src1=acc:3 src2=acc:2 rows=2 cols=10 bcast1=0 bcast2=1 imm=0.0 +pop_prev +push_next ; 239
store dram=0x3b80 src=acc:0 rows=2 cols=10 stride=40 transpose=0 +pop_prev                           ; 240
halt                                                                                                 ; 241
