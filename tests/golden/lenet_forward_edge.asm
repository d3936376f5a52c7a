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
vec op=SET dst=sp:0 src1=sp:0 src2=sp:0 rows=12 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev +push_next ; 9
store dram=0x5dc0 src=sp:0 rows=12 cols=16 stride=32 transpose=0 +pop_prev                           ; 10
store dram=0x5f40 src=sp:0 rows=1 cols=8 stride=16 transpose=0                                       ; 11
load dram=0x3c00 dst=sp:12 rows=8 cols=8 stride=16 transpose=0 +pop_next +push_next                  ; 12
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_next ; 13
store dram=0x5dd6 src=sp:12 rows=8 cols=8 stride=20 transpose=0 +pop_prev +push_prev                 ; 14
load dram=0x3c80 dst=sp:2057 rows=8 cols=8 stride=16 transpose=0 +push_next                          ; 15
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_prev +push_next ; 16
store dram=0x5e9e src=sp:2057 rows=8 cols=8 stride=20 transpose=0 +pop_prev +push_prev               ; 17
load dram=0x5dc0 dst=sp:12 rows=8 cols=3 stride=2 transpose=0 +pop_next +push_next                   ; 18
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_prev +push_next ; 19
store dram=0x5f80 src=sp:12 rows=8 cols=3 stride=18 transpose=0 +pop_prev +push_prev                 ; 20
load dram=0x5dd4 dst=sp:2057 rows=8 cols=3 stride=2 transpose=0 +pop_next +push_next                 ; 21
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_prev +push_next ; 22
store dram=0x5f86 src=sp:2057 rows=8 cols=3 stride=18 transpose=0 +pop_prev +push_prev               ; 23
load dram=0x5de8 dst=sp:12 rows=8 cols=3 stride=2 transpose=0 +pop_next +push_next                   ; 24
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_prev +push_next ; 25
store dram=0x5f8c src=sp:12 rows=8 cols=3 stride=18 transpose=0 +pop_prev +push_prev                 ; 26
load dram=0x5dd4 dst=sp:2057 rows=8 cols=3 stride=2 transpose=0 +pop_next +push_next                 ; 27
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_prev +push_next ; 28
store dram=0x6010 src=sp:2057 rows=8 cols=3 stride=18 transpose=0 +pop_prev +push_prev               ; 29
load dram=0x5de8 dst=sp:12 rows=8 cols=3 stride=2 transpose=0 +pop_next +push_next                   ; 30
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_prev +push_next ; 31
store dram=0x6016 src=sp:12 rows=8 cols=3 stride=18 transpose=0 +pop_prev +push_prev                 ; 32
load dram=0x5dfc dst=sp:2057 rows=8 cols=3 stride=2 transpose=0 +pop_next +push_next                 ; 33
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_prev +push_next ; 34
store dram=0x601c src=sp:2057 rows=8 cols=3 stride=18 transpose=0 +pop_prev +push_prev               ; 35
load dram=0x5de8 dst=sp:12 rows=8 cols=3 stride=2 transpose=0 +pop_next +push_next                   ; 36
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_prev +push_next ; 37
store dram=0x60a0 src=sp:12 rows=8 cols=3 stride=18 transpose=0 +pop_prev +push_prev                 ; 38
load dram=0x5dfc dst=sp:2057 rows=8 cols=3 stride=2 transpose=0 +pop_next +push_next                 ; 39
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_prev +push_next ; 40
store dram=0x60a6 src=sp:2057 rows=8 cols=3 stride=18 transpose=0 +pop_prev +push_prev               ; 41
load dram=0x5e10 dst=sp:12 rows=8 cols=3 stride=2 transpose=0 +pop_next +push_next                   ; 42
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_prev +push_next ; 43
store dram=0x60ac src=sp:12 rows=8 cols=3 stride=18 transpose=0 +pop_prev +push_prev                 ; 44
load dram=0x5dfc dst=sp:2057 rows=8 cols=3 stride=2 transpose=0 +pop_next +push_next                 ; 45
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_prev +push_next ; 46
store dram=0x6130 src=sp:2057 rows=8 cols=3 stride=18 transpose=0 +pop_prev +push_prev               ; 47
load dram=0x5e10 dst=sp:12 rows=8 cols=3 stride=2 transpose=0 +pop_next +push_next                   ; 48
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_prev +push_next ; 49
store dram=0x6136 src=sp:12 rows=8 cols=3 stride=18 transpose=0 +pop_prev +push_prev                 ; 50
load dram=0x5e24 dst=sp:2057 rows=8 cols=3 stride=2 transpose=0 +pop_next +push_next                 ; 51
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_prev +push_next ; 52
store dram=0x613c src=sp:2057 rows=8 cols=3 stride=18 transpose=0 +pop_prev +push_prev               ; 53
load dram=0x5e10 dst=sp:12 rows=8 cols=3 stride=2 transpose=0 +pop_next +push_next                   ; 54
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_prev +push_next ; 55
store dram=0x61c0 src=sp:12 rows=8 cols=3 stride=18 transpose=0 +pop_prev +push_prev                 ; 56
load dram=0x5e24 dst=sp:2057 rows=8 cols=3 stride=2 transpose=0 +pop_next +push_next                 ; 57
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_prev +push_next ; 58
store dram=0x61c6 src=sp:2057 rows=8 cols=3 stride=18 transpose=0 +pop_prev +push_prev               ; 59
load dram=0x5e38 dst=sp:12 rows=8 cols=3 stride=2 transpose=0 +pop_next +push_next                   ; 60
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_prev +push_next ; 61
store dram=0x61cc src=sp:12 rows=8 cols=3 stride=18 transpose=0 +pop_prev +push_prev                 ; 62
load dram=0x5e24 dst=sp:2057 rows=8 cols=3 stride=2 transpose=0 +pop_next +push_next                 ; 63
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_prev +push_next ; 64
store dram=0x6250 src=sp:2057 rows=8 cols=3 stride=18 transpose=0 +pop_prev +push_prev               ; 65
load dram=0x5e38 dst=sp:12 rows=8 cols=3 stride=2 transpose=0 +pop_next +push_next                   ; 66
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_prev +push_next ; 67
store dram=0x6256 src=sp:12 rows=8 cols=3 stride=18 transpose=0 +pop_prev +push_prev                 ; 68
load dram=0x5e4c dst=sp:2057 rows=8 cols=3 stride=2 transpose=0 +pop_next +push_next                 ; 69
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_prev +push_next ; 70
store dram=0x625c src=sp:2057 rows=8 cols=3 stride=18 transpose=0 +pop_prev +push_prev               ; 71
load dram=0x5e38 dst=sp:12 rows=8 cols=3 stride=2 transpose=0 +pop_next +push_next                   ; 72
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_prev +push_next ; 73
store dram=0x62e0 src=sp:12 rows=8 cols=3 stride=18 transpose=0 +pop_prev +push_prev                 ; 74
load dram=0x5e4c dst=sp:2057 rows=8 cols=3 stride=2 transpose=0 +pop_next +push_next                 ; 75
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_prev +push_next ; 76
store dram=0x62e6 src=sp:2057 rows=8 cols=3 stride=18 transpose=0 +pop_prev +push_prev               ; 77
load dram=0x5e60 dst=sp:12 rows=8 cols=3 stride=2 transpose=0 +pop_next +push_next                   ; 78
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_prev +push_next ; 79
store dram=0x62ec src=sp:12 rows=8 cols=3 stride=18 transpose=0 +pop_prev +push_prev                 ; 80
load dram=0x5e4c dst=sp:2057 rows=8 cols=3 stride=2 transpose=0 +pop_next +push_next                 ; 81
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_prev +push_next ; 82
store dram=0x6370 src=sp:2057 rows=8 cols=3 stride=18 transpose=0 +pop_prev +push_prev               ; 83
load dram=0x5e60 dst=sp:12 rows=8 cols=3 stride=2 transpose=0 +pop_next +push_next                   ; 84
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_prev +push_next ; 85
store dram=0x6376 src=sp:12 rows=8 cols=3 stride=18 transpose=0 +pop_prev +push_prev                 ; 86
load dram=0x5e74 dst=sp:2057 rows=8 cols=3 stride=2 transpose=0 +pop_next +push_next                 ; 87
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_prev +push_next ; 88
store dram=0x637c src=sp:2057 rows=8 cols=3 stride=18 transpose=0 +pop_prev +push_prev               ; 89
load dram=0x5e88 dst=sp:12 rows=8 cols=3 stride=2 transpose=0 +pop_next +push_next                   ; 90
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_prev +push_next ; 91
store dram=0x6400 src=sp:12 rows=8 cols=3 stride=18 transpose=0 +pop_prev +push_prev                 ; 92
load dram=0x5e9c dst=sp:2057 rows=8 cols=3 stride=2 transpose=0 +pop_next +push_next                 ; 93
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_prev +push_next ; 94
store dram=0x6406 src=sp:2057 rows=8 cols=3 stride=18 transpose=0 +pop_prev +push_prev               ; 95
load dram=0x5eb0 dst=sp:12 rows=8 cols=3 stride=2 transpose=0 +pop_next +push_next                   ; 96
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_prev +push_next ; 97
store dram=0x640c src=sp:12 rows=8 cols=3 stride=18 transpose=0 +pop_prev +push_prev                 ; 98
load dram=0x5e9c dst=sp:2057 rows=8 cols=3 stride=2 transpose=0 +pop_next +push_next                 ; 99
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_prev +push_next ; 100
store dram=0x6490 src=sp:2057 rows=8 cols=3 stride=18 transpose=0 +pop_prev +push_prev               ; 101
load dram=0x5eb0 dst=sp:12 rows=8 cols=3 stride=2 transpose=0 +pop_next +push_next                   ; 102
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_prev +push_next ; 103
store dram=0x6496 src=sp:12 rows=8 cols=3 stride=18 transpose=0 +pop_prev +push_prev                 ; 104
load dram=0x5ec4 dst=sp:2057 rows=8 cols=3 stride=2 transpose=0 +pop_next +push_next                 ; 105
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_prev +push_next ; 106
store dram=0x649c src=sp:2057 rows=8 cols=3 stride=18 transpose=0 +pop_prev +push_prev               ; 107
load dram=0x5eb0 dst=sp:12 rows=8 cols=3 stride=2 transpose=0 +pop_next +push_next                   ; 108
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_prev +push_next ; 109
store dram=0x6520 src=sp:12 rows=8 cols=3 stride=18 transpose=0 +pop_prev +push_prev                 ; 110
load dram=0x5ec4 dst=sp:2057 rows=8 cols=3 stride=2 transpose=0 +pop_next +push_next                 ; 111
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_prev +push_next ; 112
store dram=0x6526 src=sp:2057 rows=8 cols=3 stride=18 transpose=0 +pop_prev +push_prev               ; 113
load dram=0x5ed8 dst=sp:12 rows=8 cols=3 stride=2 transpose=0 +pop_next +push_next                   ; 114
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_prev +push_next ; 115
store dram=0x652c src=sp:12 rows=8 cols=3 stride=18 transpose=0 +pop_prev +push_prev                 ; 116
load dram=0x5ec4 dst=sp:2057 rows=8 cols=3 stride=2 transpose=0 +pop_next +push_next                 ; 117
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_prev +push_next ; 118
store dram=0x65b0 src=sp:2057 rows=8 cols=3 stride=18 transpose=0 +pop_prev +push_prev               ; 119
load dram=0x5ed8 dst=sp:12 rows=8 cols=3 stride=2 transpose=0 +pop_next +push_next                   ; 120
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_prev +push_next ; 121
store dram=0x65b6 src=sp:12 rows=8 cols=3 stride=18 transpose=0 +pop_prev +push_prev                 ; 122
load dram=0x5eec dst=sp:2057 rows=8 cols=3 stride=2 transpose=0 +pop_next +push_next                 ; 123
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_prev +push_next ; 124
store dram=0x65bc src=sp:2057 rows=8 cols=3 stride=18 transpose=0 +pop_prev +push_prev               ; 125
load dram=0x5ed8 dst=sp:12 rows=8 cols=3 stride=2 transpose=0 +pop_next +push_next                   ; 126
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_prev +push_next ; 127
store dram=0x6640 src=sp:12 rows=8 cols=3 stride=18 transpose=0 +pop_prev +push_prev                 ; 128
load dram=0x5eec dst=sp:2057 rows=8 cols=3 stride=2 transpose=0 +pop_next +push_next                 ; 129
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_prev +push_next ; 130
store dram=0x6646 src=sp:2057 rows=8 cols=3 stride=18 transpose=0 +pop_prev +push_prev               ; 131
load dram=0x5f00 dst=sp:12 rows=8 cols=3 stride=2 transpose=0 +pop_next +push_next                   ; 132
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_prev +push_next ; 133
store dram=0x664c src=sp:12 rows=8 cols=3 stride=18 transpose=0 +pop_prev +push_prev                 ; 134
load dram=0x5eec dst=sp:2057 rows=8 cols=3 stride=2 transpose=0 +pop_next +push_next                 ; 135
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_prev +push_next ; 136
store dram=0x66d0 src=sp:2057 rows=8 cols=3 stride=18 transpose=0 +pop_prev +push_prev               ; 137
load dram=0x5f00 dst=sp:12 rows=8 cols=3 stride=2 transpose=0 +pop_next +push_next                   ; 138
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_prev +push_next ; 139
store dram=0x66d6 src=sp:12 rows=8 cols=3 stride=18 transpose=0 +pop_prev +push_prev                 ; 140
load dram=0x5f14 dst=sp:2057 rows=8 cols=3 stride=2 transpose=0 +pop_next +push_next                 ; 141
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_prev +push_next ; 142
store dram=0x66dc src=sp:2057 rows=8 cols=3 stride=18 transpose=0 +pop_prev +push_prev               ; 143
load dram=0x5f00 dst=sp:12 rows=8 cols=3 stride=2 transpose=0 +pop_next +push_next                   ; 144
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_prev +push_next ; 145
store dram=0x6760 src=sp:12 rows=8 cols=3 stride=18 transpose=0 +pop_prev +push_prev                 ; 146
load dram=0x5f14 dst=sp:2057 rows=8 cols=3 stride=2 transpose=0 +pop_next +push_next                 ; 147
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_prev +push_next ; 148
store dram=0x6766 src=sp:2057 rows=8 cols=3 stride=18 transpose=0 +pop_prev +push_prev               ; 149
load dram=0x5f28 dst=sp:12 rows=8 cols=3 stride=2 transpose=0 +pop_next +push_next                   ; 150
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_prev +push_next ; 151
store dram=0x676c src=sp:12 rows=8 cols=3 stride=18 transpose=0 +pop_prev +push_prev                 ; 152
load dram=0x5f14 dst=sp:2057 rows=8 cols=3 stride=2 transpose=0 +pop_next +push_next                 ; 153
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_prev +push_next ; 154
store dram=0x67f0 src=sp:2057 rows=8 cols=3 stride=18 transpose=0 +pop_prev +push_prev               ; 155
load dram=0x5f28 dst=sp:12 rows=8 cols=3 stride=2 transpose=0 +pop_next +push_next                   ; 156
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_prev +push_next ; 157
store dram=0x67f6 src=sp:12 rows=8 cols=3 stride=18 transpose=0 +pop_prev                            ; 158
load dram=0x5f3c dst=sp:2057 rows=8 cols=3 stride=2 transpose=0 +pop_next +push_next                 ; 159
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_next ; 160
store dram=0x67fc src=sp:2057 rows=8 cols=3 stride=18 transpose=0 +pop_prev +push_prev               ; 161
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 162
load dram=0x5f80 dst=sp:0 rows=128 cols=9 stride=18 transpose=0 +pop_next                            ; 163
load dram=0x3d00 dst=sp:128 rows=9 cols=8 stride=16 transpose=0 +push_next                           ; 164
preload src=128 rows=9 cols=8 +pop_prev                                                              ; 165
matmul x=0 y=0 out=0 t=128 rows=9 cols=8 accumulate=0 +push_next                                     ; 166
store dram=0x3dc0 src=acc:0 rows=128 cols=8 stride=32 transpose=0 +pop_prev +push_prev               ; 167
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 168
load dram=0x340 dst=acc:0 rows=1 cols=8 stride=32 transpose=0 +pop_next                              ; 169
load dram=0x3dc0 dst=acc:1 rows=128 cols=8 stride=32 transpose=0 +push_next                          ; 170
vec op=ADD dst=acc:1 src1=acc:1 src2=acc:0 rows=128 cols=8 bcast1=0 bcast2=1 imm=0.0 +pop_prev +push_next ; 171
store dram=0x4dc0 src=acc:1 rows=128 cols=8 stride=32 transpose=0 +pop_prev +push_prev               ; 172
.tag relu2 forward
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 173
load dram=0x4dc0 dst=acc:0 rows=64 cols=16 stride=64 transpose=0 +pop_next +push_next                ; 174
vec op=RELU dst=acc:0 src1=acc:0 src2=acc:0 rows=64 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_next ; 175
store dram=0x3c00 src=acc:0 rows=64 cols=16 stride=64 transpose=0 +pop_prev +push_prev               ; 176
.tag maxpool2d3 forward
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 177
load dram=0x3c00 dst=acc:0 rows=4 cols=8 stride=64 transpose=0 +pop_next                             ; 178
load dram=0x3e00 dst=acc:4 rows=4 cols=8 stride=64 transpose=0                                       ; 179
load dram=0x4000 dst=acc:8 rows=4 cols=8 stride=64 transpose=0                                       ; 180
load dram=0x4200 dst=acc:12 rows=4 cols=8 stride=64 transpose=0                                      ; 181
load dram=0x4400 dst=acc:16 rows=4 cols=8 stride=64 transpose=0                                      ; 182
load dram=0x4600 dst=acc:20 rows=4 cols=8 stride=64 transpose=0                                      ; 183
load dram=0x4800 dst=acc:24 rows=4 cols=8 stride=64 transpose=0                                      ; 184
load dram=0x4a00 dst=acc:28 rows=4 cols=8 stride=64 transpose=0                                      ; 185
load dram=0x3c20 dst=acc:64 rows=4 cols=8 stride=64 transpose=0                                      ; 186
load dram=0x3e20 dst=acc:68 rows=4 cols=8 stride=64 transpose=0                                      ; 187
load dram=0x4020 dst=acc:72 rows=4 cols=8 stride=64 transpose=0                                      ; 188
load dram=0x4220 dst=acc:76 rows=4 cols=8 stride=64 transpose=0                                      ; 189
load dram=0x4420 dst=acc:80 rows=4 cols=8 stride=64 transpose=0                                      ; 190
load dram=0x4620 dst=acc:84 rows=4 cols=8 stride=64 transpose=0                                      ; 191
load dram=0x4820 dst=acc:88 rows=4 cols=8 stride=64 transpose=0                                      ; 192
load dram=0x4a20 dst=acc:92 rows=4 cols=8 stride=64 transpose=0 +push_next                           ; 193
vec op=MAX dst=acc:0 src1=acc:0 src2=acc:64 rows=32 cols=8 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_prev ; 194
load dram=0x3d00 dst=acc:64 rows=4 cols=8 stride=64 transpose=0 +pop_next                            ; 195
load dram=0x3f00 dst=acc:68 rows=4 cols=8 stride=64 transpose=0                                      ; 196
load dram=0x4100 dst=acc:72 rows=4 cols=8 stride=64 transpose=0                                      ; 197
load dram=0x4300 dst=acc:76 rows=4 cols=8 stride=64 transpose=0                                      ; 198
load dram=0x4500 dst=acc:80 rows=4 cols=8 stride=64 transpose=0                                      ; 199
load dram=0x4700 dst=acc:84 rows=4 cols=8 stride=64 transpose=0                                      ; 200
load dram=0x4900 dst=acc:88 rows=4 cols=8 stride=64 transpose=0                                      ; 201
load dram=0x4b00 dst=acc:92 rows=4 cols=8 stride=64 transpose=0 +push_next                           ; 202
vec op=MAX dst=acc:0 src1=acc:0 src2=acc:64 rows=32 cols=8 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_prev ; 203
load dram=0x3d20 dst=acc:64 rows=4 cols=8 stride=64 transpose=0 +pop_next                            ; 204
load dram=0x3f20 dst=acc:68 rows=4 cols=8 stride=64 transpose=0                                      ; 205
load dram=0x4120 dst=acc:72 rows=4 cols=8 stride=64 transpose=0                                      ; 206
load dram=0x4320 dst=acc:76 rows=4 cols=8 stride=64 transpose=0                                      ; 207
load dram=0x4520 dst=acc:80 rows=4 cols=8 stride=64 transpose=0                                      ; 208
load dram=0x4720 dst=acc:84 rows=4 cols=8 stride=64 transpose=0                                      ; 209
load dram=0x4920 dst=acc:88 rows=4 cols=8 stride=64 transpose=0                                      ; 210
load dram=0x4b20 dst=acc:92 rows=4 cols=8 stride=64 transpose=0 +push_next                           ; 211
vec op=MAX dst=acc:0 src1=acc:0 src2=acc:64 rows=32 cols=8 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_next ; 212
store dram=0x4c00 src=acc:0 rows=4 cols=8 stride=32 transpose=0 +pop_prev                            ; 213
store dram=0x4c80 src=acc:4 rows=4 cols=8 stride=32 transpose=0                                      ; 214
store dram=0x4d00 src=acc:8 rows=4 cols=8 stride=32 transpose=0                                      ; 215
store dram=0x4d80 src=acc:12 rows=4 cols=8 stride=32 transpose=0                                     ; 216
store dram=0x4e00 src=acc:16 rows=4 cols=8 stride=32 transpose=0                                     ; 217
store dram=0x4e80 src=acc:20 rows=4 cols=8 stride=32 transpose=0                                     ; 218
store dram=0x4f00 src=acc:24 rows=4 cols=8 stride=32 transpose=0                                     ; 219
store dram=0x4f80 src=acc:28 rows=4 cols=8 stride=32 transpose=0 +push_prev                          ; 220
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 221
load dram=0x4c00 dst=acc:0 rows=16 cols=16 stride=64 transpose=0 +pop_next +push_next                ; 222
vec op=COPY dst=sp:0 src1=acc:0 src2=acc:0 rows=16 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_prev +push_next ; 223
store dram=0x3c00 src=sp:0 rows=16 cols=16 stride=32 transpose=0 +pop_prev +push_prev                ; 224
.tag conv4.w forward
load dram=0x380 dst=acc:0 rows=72 cols=16 stride=64 transpose=0 +pop_next +push_next                 ; 225
vec op=COPY dst=sp:0 src1=acc:0 src2=acc:0 rows=72 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_next ; 226
store dram=0x3e00 src=sp:0 rows=72 cols=16 stride=32 transpose=0 +pop_prev +push_prev                ; 227
.tag conv4 forward
vec op=SET dst=sp:0 src1=sp:0 src2=sp:0 rows=36 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev +push_next ; 228
store dram=0x5dc0 src=sp:0 rows=36 cols=16 stride=32 transpose=0 +pop_prev                           ; 229
load dram=0x3c00 dst=sp:36 rows=4 cols=16 stride=64 transpose=0 +pop_next +push_next                 ; 230
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_next ; 231
store dram=0x5e30 src=sp:36 rows=4 cols=16 stride=96 transpose=0 +pop_prev +push_prev                ; 232
load dram=0x3c20 dst=sp:2075 rows=4 cols=16 stride=64 transpose=0 +push_next                         ; 233
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_prev +push_next ; 234
store dram=0x5e50 src=sp:2075 rows=4 cols=16 stride=96 transpose=0 +pop_prev +push_prev              ; 235
load dram=0x3d00 dst=sp:36 rows=4 cols=16 stride=64 transpose=0 +pop_next +push_next                 ; 236
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_prev +push_next ; 237
store dram=0x6070 src=sp:36 rows=4 cols=16 stride=96 transpose=0 +pop_prev +push_prev                ; 238
load dram=0x3d20 dst=sp:2075 rows=4 cols=16 stride=64 transpose=0 +pop_next +push_next               ; 239
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_prev +push_next ; 240
store dram=0x6090 src=sp:2075 rows=4 cols=16 stride=96 transpose=0 +pop_prev +push_prev              ; 241
load dram=0x5dc0 dst=sp:36 rows=4 cols=16 stride=16 transpose=0 +pop_next +push_next                 ; 242
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_prev +push_next ; 243
store dram=0x6240 src=sp:36 rows=4 cols=16 stride=144 transpose=0 +pop_prev +push_prev               ; 244
load dram=0x5de0 dst=sp:2075 rows=4 cols=8 stride=16 transpose=0 +pop_next +push_next                ; 245
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_prev +push_next ; 246
store dram=0x6260 src=sp:2075 rows=4 cols=8 stride=144 transpose=0 +pop_prev +push_prev              ; 247
load dram=0x5e20 dst=sp:36 rows=4 cols=16 stride=16 transpose=0 +pop_next +push_next                 ; 248
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_prev +push_next ; 249
store dram=0x6270 src=sp:36 rows=4 cols=16 stride=144 transpose=0 +pop_prev +push_prev               ; 250
load dram=0x5e40 dst=sp:2075 rows=4 cols=8 stride=16 transpose=0 +pop_next +push_next                ; 251
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_prev +push_next ; 252
store dram=0x6290 src=sp:2075 rows=4 cols=8 stride=144 transpose=0 +pop_prev +push_prev              ; 253
load dram=0x5e80 dst=sp:36 rows=4 cols=16 stride=16 transpose=0 +pop_next +push_next                 ; 254
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_prev +push_next ; 255
store dram=0x62a0 src=sp:36 rows=4 cols=16 stride=144 transpose=0 +pop_prev +push_prev               ; 256
load dram=0x5ea0 dst=sp:2075 rows=4 cols=8 stride=16 transpose=0 +pop_next +push_next                ; 257
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_prev +push_next ; 258
store dram=0x62c0 src=sp:2075 rows=4 cols=8 stride=144 transpose=0 +pop_prev +push_prev              ; 259
load dram=0x5e20 dst=sp:36 rows=4 cols=16 stride=16 transpose=0 +pop_next +push_next                 ; 260
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_prev +push_next ; 261
store dram=0x6480 src=sp:36 rows=4 cols=16 stride=144 transpose=0 +pop_prev +push_prev               ; 262
load dram=0x5e40 dst=sp:2075 rows=4 cols=8 stride=16 transpose=0 +pop_next +push_next                ; 263
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_prev +push_next ; 264
store dram=0x64a0 src=sp:2075 rows=4 cols=8 stride=144 transpose=0 +pop_prev +push_prev              ; 265
load dram=0x5e80 dst=sp:36 rows=4 cols=16 stride=16 transpose=0 +pop_next +push_next                 ; 266
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_prev +push_next ; 267
store dram=0x64b0 src=sp:36 rows=4 cols=16 stride=144 transpose=0 +pop_prev +push_prev               ; 268
load dram=0x5ea0 dst=sp:2075 rows=4 cols=8 stride=16 transpose=0 +pop_next +push_next                ; 269
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_prev +push_next ; 270
store dram=0x64d0 src=sp:2075 rows=4 cols=8 stride=144 transpose=0 +pop_prev +push_prev              ; 271
load dram=0x5ee0 dst=sp:36 rows=4 cols=16 stride=16 transpose=0 +pop_next +push_next                 ; 272
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_prev +push_next ; 273
store dram=0x64e0 src=sp:36 rows=4 cols=16 stride=144 transpose=0 +pop_prev +push_prev               ; 274
load dram=0x5f00 dst=sp:2075 rows=4 cols=8 stride=16 transpose=0 +pop_next +push_next                ; 275
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_prev +push_next ; 276
store dram=0x6500 src=sp:2075 rows=4 cols=8 stride=144 transpose=0 +pop_prev +push_prev              ; 277
load dram=0x5e80 dst=sp:36 rows=4 cols=16 stride=16 transpose=0 +pop_next +push_next                 ; 278
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_prev +push_next ; 279
store dram=0x66c0 src=sp:36 rows=4 cols=16 stride=144 transpose=0 +pop_prev +push_prev               ; 280
load dram=0x5ea0 dst=sp:2075 rows=4 cols=8 stride=16 transpose=0 +pop_next +push_next                ; 281
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_prev +push_next ; 282
store dram=0x66e0 src=sp:2075 rows=4 cols=8 stride=144 transpose=0 +pop_prev +push_prev              ; 283
load dram=0x5ee0 dst=sp:36 rows=4 cols=16 stride=16 transpose=0 +pop_next +push_next                 ; 284
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_prev +push_next ; 285
store dram=0x66f0 src=sp:36 rows=4 cols=16 stride=144 transpose=0 +pop_prev +push_prev               ; 286
load dram=0x5f00 dst=sp:2075 rows=4 cols=8 stride=16 transpose=0 +pop_next +push_next                ; 287
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_prev +push_next ; 288
store dram=0x6710 src=sp:2075 rows=4 cols=8 stride=144 transpose=0 +pop_prev +push_prev              ; 289
load dram=0x5f40 dst=sp:36 rows=4 cols=16 stride=16 transpose=0 +pop_next +push_next                 ; 290
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_prev +push_next ; 291
store dram=0x6720 src=sp:36 rows=4 cols=16 stride=144 transpose=0 +pop_prev +push_prev               ; 292
load dram=0x5f60 dst=sp:2075 rows=4 cols=8 stride=16 transpose=0 +pop_next +push_next                ; 293
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_prev +push_next ; 294
store dram=0x6740 src=sp:2075 rows=4 cols=8 stride=144 transpose=0 +pop_prev +push_prev              ; 295
load dram=0x5ee0 dst=sp:36 rows=4 cols=16 stride=16 transpose=0 +pop_next +push_next                 ; 296
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_prev +push_next ; 297
store dram=0x6900 src=sp:36 rows=4 cols=16 stride=144 transpose=0 +pop_prev +push_prev               ; 298
load dram=0x5f00 dst=sp:2075 rows=4 cols=8 stride=16 transpose=0 +pop_next +push_next                ; 299
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_prev +push_next ; 300
store dram=0x6920 src=sp:2075 rows=4 cols=8 stride=144 transpose=0 +pop_prev +push_prev              ; 301
load dram=0x5f40 dst=sp:36 rows=4 cols=16 stride=16 transpose=0 +pop_next +push_next                 ; 302
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_prev +push_next ; 303
store dram=0x6930 src=sp:36 rows=4 cols=16 stride=144 transpose=0 +pop_prev +push_prev               ; 304
load dram=0x5f60 dst=sp:2075 rows=4 cols=8 stride=16 transpose=0 +pop_next +push_next                ; 305
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_prev +push_next ; 306
store dram=0x6950 src=sp:2075 rows=4 cols=8 stride=144 transpose=0 +pop_prev +push_prev              ; 307
load dram=0x5fa0 dst=sp:36 rows=4 cols=16 stride=16 transpose=0 +pop_next +push_next                 ; 308
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_prev +push_next ; 309
store dram=0x6960 src=sp:36 rows=4 cols=16 stride=144 transpose=0 +pop_prev +push_prev               ; 310
load dram=0x5fc0 dst=sp:2075 rows=4 cols=8 stride=16 transpose=0 +pop_next +push_next                ; 311
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_prev +push_next ; 312
store dram=0x6980 src=sp:2075 rows=4 cols=8 stride=144 transpose=0 +pop_prev +push_prev              ; 313
load dram=0x6000 dst=sp:36 rows=4 cols=16 stride=16 transpose=0 +pop_next +push_next                 ; 314
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_prev +push_next ; 315
store dram=0x6b40 src=sp:36 rows=4 cols=16 stride=144 transpose=0 +pop_prev +push_prev               ; 316
load dram=0x6020 dst=sp:2075 rows=4 cols=8 stride=16 transpose=0 +pop_next +push_next                ; 317
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_prev +push_next ; 318
store dram=0x6b60 src=sp:2075 rows=4 cols=8 stride=144 transpose=0 +pop_prev +push_prev              ; 319
load dram=0x6060 dst=sp:36 rows=4 cols=16 stride=16 transpose=0 +pop_next +push_next                 ; 320
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_prev +push_next ; 321
store dram=0x6b70 src=sp:36 rows=4 cols=16 stride=144 transpose=0 +pop_prev +push_prev               ; 322
load dram=0x6080 dst=sp:2075 rows=4 cols=8 stride=16 transpose=0 +pop_next +push_next                ; 323
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_prev +push_next ; 324
store dram=0x6b90 src=sp:2075 rows=4 cols=8 stride=144 transpose=0 +pop_prev +push_prev              ; 325
load dram=0x60c0 dst=sp:36 rows=4 cols=16 stride=16 transpose=0 +pop_next +push_next                 ; 326
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_prev +push_next ; 327
store dram=0x6ba0 src=sp:36 rows=4 cols=16 stride=144 transpose=0 +pop_prev +push_prev               ; 328
load dram=0x60e0 dst=sp:2075 rows=4 cols=8 stride=16 transpose=0 +pop_next +push_next                ; 329
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_prev +push_next ; 330
store dram=0x6bc0 src=sp:2075 rows=4 cols=8 stride=144 transpose=0 +pop_prev +push_prev              ; 331
load dram=0x6060 dst=sp:36 rows=4 cols=16 stride=16 transpose=0 +pop_next +push_next                 ; 332
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_prev +push_next ; 333
store dram=0x6d80 src=sp:36 rows=4 cols=16 stride=144 transpose=0 +pop_prev +push_prev               ; 334
load dram=0x6080 dst=sp:2075 rows=4 cols=8 stride=16 transpose=0 +pop_next +push_next                ; 335
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_prev +push_next ; 336
store dram=0x6da0 src=sp:2075 rows=4 cols=8 stride=144 transpose=0 +pop_prev +push_prev              ; 337
load dram=0x60c0 dst=sp:36 rows=4 cols=16 stride=16 transpose=0 +pop_next +push_next                 ; 338
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_prev +push_next ; 339
store dram=0x6db0 src=sp:36 rows=4 cols=16 stride=144 transpose=0 +pop_prev +push_prev               ; 340
load dram=0x60e0 dst=sp:2075 rows=4 cols=8 stride=16 transpose=0 +pop_next +push_next                ; 341
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_prev +push_next ; 342
store dram=0x6dd0 src=sp:2075 rows=4 cols=8 stride=144 transpose=0 +pop_prev +push_prev              ; 343
load dram=0x6120 dst=sp:36 rows=4 cols=16 stride=16 transpose=0 +pop_next +push_next                 ; 344
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_prev +push_next ; 345
store dram=0x6de0 src=sp:36 rows=4 cols=16 stride=144 transpose=0 +pop_prev +push_prev               ; 346
load dram=0x6140 dst=sp:2075 rows=4 cols=8 stride=16 transpose=0 +pop_next +push_next                ; 347
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_prev +push_next ; 348
store dram=0x6e00 src=sp:2075 rows=4 cols=8 stride=144 transpose=0 +pop_prev +push_prev              ; 349
load dram=0x60c0 dst=sp:36 rows=4 cols=16 stride=16 transpose=0 +pop_next +push_next                 ; 350
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_prev +push_next ; 351
store dram=0x6fc0 src=sp:36 rows=4 cols=16 stride=144 transpose=0 +pop_prev +push_prev               ; 352
load dram=0x60e0 dst=sp:2075 rows=4 cols=8 stride=16 transpose=0 +pop_next +push_next                ; 353
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_prev +push_next ; 354
store dram=0x6fe0 src=sp:2075 rows=4 cols=8 stride=144 transpose=0 +pop_prev +push_prev              ; 355
load dram=0x6120 dst=sp:36 rows=4 cols=16 stride=16 transpose=0 +pop_next +push_next                 ; 356
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_prev +push_next ; 357
store dram=0x6ff0 src=sp:36 rows=4 cols=16 stride=144 transpose=0 +pop_prev +push_prev               ; 358
load dram=0x6140 dst=sp:2075 rows=4 cols=8 stride=16 transpose=0 +pop_next +push_next                ; 359
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_prev +push_next ; 360
store dram=0x7010 src=sp:2075 rows=4 cols=8 stride=144 transpose=0 +pop_prev +push_prev              ; 361
load dram=0x6180 dst=sp:36 rows=4 cols=16 stride=16 transpose=0 +pop_next +push_next                 ; 362
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_prev +push_next ; 363
store dram=0x7020 src=sp:36 rows=4 cols=16 stride=144 transpose=0 +pop_prev +push_prev               ; 364
load dram=0x61a0 dst=sp:2075 rows=4 cols=8 stride=16 transpose=0 +pop_next +push_next                ; 365
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_prev +push_next ; 366
store dram=0x7040 src=sp:2075 rows=4 cols=8 stride=144 transpose=0 +pop_prev +push_prev              ; 367
load dram=0x6120 dst=sp:36 rows=4 cols=16 stride=16 transpose=0 +pop_next +push_next                 ; 368
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_prev +push_next ; 369
store dram=0x7200 src=sp:36 rows=4 cols=16 stride=144 transpose=0 +pop_prev +push_prev               ; 370
load dram=0x6140 dst=sp:2075 rows=4 cols=8 stride=16 transpose=0 +pop_next +push_next                ; 371
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_prev +push_next ; 372
store dram=0x7220 src=sp:2075 rows=4 cols=8 stride=144 transpose=0 +pop_prev +push_prev              ; 373
load dram=0x6180 dst=sp:36 rows=4 cols=16 stride=16 transpose=0 +pop_next +push_next                 ; 374
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_prev +push_next ; 375
store dram=0x7230 src=sp:36 rows=4 cols=16 stride=144 transpose=0 +pop_prev +push_prev               ; 376
load dram=0x61a0 dst=sp:2075 rows=4 cols=8 stride=16 transpose=0 +pop_next +push_next                ; 377
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_prev +push_next ; 378
store dram=0x7250 src=sp:2075 rows=4 cols=8 stride=144 transpose=0 +pop_prev +push_prev              ; 379
load dram=0x61e0 dst=sp:36 rows=4 cols=16 stride=16 transpose=0 +pop_next +push_next                 ; 380
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_prev +push_next ; 381
store dram=0x7260 src=sp:36 rows=4 cols=16 stride=144 transpose=0 +pop_prev                          ; 382
load dram=0x6200 dst=sp:2075 rows=4 cols=8 stride=16 transpose=0 +pop_next +push_next                ; 383
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_next ; 384
store dram=0x7280 src=sp:2075 rows=4 cols=8 stride=144 transpose=0 +pop_prev +push_prev              ; 385
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 386
load dram=0x6240 dst=sp:0 rows=32 cols=16 stride=144 transpose=0 +pop_next                           ; 387
load dram=0x6260 dst=sp:32 rows=32 cols=16 stride=144 transpose=0                                    ; 388
load dram=0x6280 dst=sp:64 rows=32 cols=16 stride=144 transpose=0                                    ; 389
load dram=0x62a0 dst=sp:96 rows=32 cols=16 stride=144 transpose=0                                    ; 390
load dram=0x62c0 dst=sp:128 rows=32 cols=8 stride=144 transpose=0                                    ; 391
load dram=0x3e00 dst=sp:160 rows=16 cols=16 stride=32 transpose=0 +push_next                         ; 392
preload src=160 rows=16 cols=16 +pop_prev +push_prev                                                 ; 393
matmul x=0 y=0 out=0 t=32 rows=16 cols=16 accumulate=0                                               ; 394
load dram=0x4000 dst=sp:176 rows=16 cols=16 stride=32 transpose=0 +push_next                         ; 395
preload src=176 rows=16 cols=16 +pop_prev                                                            ; 396
matmul x=32 y=0 out=0 t=32 rows=16 cols=16 accumulate=1 +push_prev                                   ; 397
load dram=0x4200 dst=sp:160 rows=16 cols=16 stride=32 transpose=0 +pop_next +push_next               ; 398
preload src=160 rows=16 cols=16 +pop_prev                                                            ; 399
matmul x=64 y=0 out=0 t=32 rows=16 cols=16 accumulate=1 +push_prev                                   ; 400
load dram=0x4400 dst=sp:176 rows=16 cols=16 stride=32 transpose=0 +pop_next +push_next               ; 401
preload src=176 rows=16 cols=16 +pop_prev                                                            ; 402
matmul x=96 y=0 out=0 t=32 rows=16 cols=16 accumulate=1                                              ; 403
load dram=0x4600 dst=sp:160 rows=8 cols=16 stride=32 transpose=0 +pop_next +push_next                ; 404
preload src=160 rows=8 cols=16 +pop_prev                                                             ; 405
matmul x=128 y=0 out=0 t=32 rows=8 cols=16 accumulate=1 +push_next                                   ; 406
store dram=0x4700 src=acc:0 rows=32 cols=16 stride=64 transpose=0 +pop_prev +push_prev               ; 407
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 408
load dram=0x1580 dst=acc:0 rows=1 cols=16 stride=64 transpose=0 +pop_next                            ; 409
load dram=0x4700 dst=acc:1 rows=32 cols=16 stride=64 transpose=0 +push_next                          ; 410
vec op=ADD dst=acc:1 src1=acc:1 src2=acc:0 rows=32 cols=16 bcast1=0 bcast2=1 imm=0.0 +pop_prev +push_next ; 411
store dram=0x3c00 src=acc:1 rows=32 cols=16 stride=64 transpose=0 +pop_prev +push_prev               ; 412
.tag relu5 forward
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 413
load dram=0x3c00 dst=acc:0 rows=32 cols=16 stride=64 transpose=0 +pop_next +push_next                ; 414
vec op=RELU dst=acc:0 src1=acc:0 src2=acc:0 rows=32 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_next ; 415
store dram=0x4400 src=acc:0 rows=32 cols=16 stride=64 transpose=0 +pop_prev +push_prev               ; 416
.tag maxpool2d6 forward
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 417
load dram=0x4400 dst=acc:0 rows=2 cols=16 stride=128 transpose=0 +pop_next                           ; 418
load dram=0x4600 dst=acc:2 rows=2 cols=16 stride=128 transpose=0                                     ; 419
load dram=0x4800 dst=acc:4 rows=2 cols=16 stride=128 transpose=0                                     ; 420
load dram=0x4a00 dst=acc:6 rows=2 cols=16 stride=128 transpose=0                                     ; 421
load dram=0x4440 dst=acc:16 rows=2 cols=16 stride=128 transpose=0                                    ; 422
load dram=0x4640 dst=acc:18 rows=2 cols=16 stride=128 transpose=0                                    ; 423
load dram=0x4840 dst=acc:20 rows=2 cols=16 stride=128 transpose=0                                    ; 424
load dram=0x4a40 dst=acc:22 rows=2 cols=16 stride=128 transpose=0 +push_next                         ; 425
vec op=MAX dst=acc:0 src1=acc:0 src2=acc:16 rows=8 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_prev ; 426
load dram=0x4500 dst=acc:16 rows=2 cols=16 stride=128 transpose=0 +pop_next                          ; 427
load dram=0x4700 dst=acc:18 rows=2 cols=16 stride=128 transpose=0                                    ; 428
load dram=0x4900 dst=acc:20 rows=2 cols=16 stride=128 transpose=0                                    ; 429
load dram=0x4b00 dst=acc:22 rows=2 cols=16 stride=128 transpose=0 +push_next                         ; 430
vec op=MAX dst=acc:0 src1=acc:0 src2=acc:16 rows=8 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_prev ; 431
load dram=0x4540 dst=acc:16 rows=2 cols=16 stride=128 transpose=0 +pop_next                          ; 432
load dram=0x4740 dst=acc:18 rows=2 cols=16 stride=128 transpose=0                                    ; 433
load dram=0x4940 dst=acc:20 rows=2 cols=16 stride=128 transpose=0                                    ; 434
load dram=0x4b40 dst=acc:22 rows=2 cols=16 stride=128 transpose=0 +push_next                         ; 435
vec op=MAX dst=acc:0 src1=acc:0 src2=acc:16 rows=8 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_next ; 436
store dram=0x3c00 src=acc:0 rows=2 cols=16 stride=64 transpose=0 +pop_prev                           ; 437
store dram=0x3c80 src=acc:2 rows=2 cols=16 stride=64 transpose=0                                     ; 438
store dram=0x3d00 src=acc:4 rows=2 cols=16 stride=64 transpose=0                                     ; 439
store dram=0x3d80 src=acc:6 rows=2 cols=16 stride=64 transpose=0 +push_prev                          ; 440
.tag reshape7 forward
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 441
load dram=0x3c00 dst=acc:0 rows=8 cols=16 stride=64 transpose=0 +pop_next +push_next                 ; 442
vec op=COPY dst=sp:0 src1=acc:0 src2=acc:0 rows=8 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_prev +push_next ; 443
store dram=0x3e00 src=sp:0 rows=8 cols=16 stride=32 transpose=0 +pop_prev +push_prev                 ; 444
.tag dense8.w forward
load dram=0x15c0 dst=acc:0 rows=128 cols=16 stride=64 transpose=0 +pop_next +push_next               ; 445
vec op=COPY dst=sp:0 src1=acc:0 src2=acc:0 rows=128 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_next ; 446
store dram=0x3f00 src=sp:0 rows=128 cols=16 stride=32 transpose=0 +pop_prev +push_prev               ; 447
.tag dense8 forward
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 448
load dram=0x3e00 dst=sp:0 rows=2 cols=16 stride=128 transpose=0 +pop_next                            ; 449
load dram=0x3e20 dst=sp:2 rows=2 cols=16 stride=128 transpose=0                                      ; 450
load dram=0x3e40 dst=sp:4 rows=2 cols=16 stride=128 transpose=0                                      ; 451
load dram=0x3e60 dst=sp:6 rows=2 cols=16 stride=128 transpose=0                                      ; 452
load dram=0x3f00 dst=sp:8 rows=16 cols=16 stride=64 transpose=0 +push_next                           ; 453
preload src=8 rows=16 cols=16 +pop_prev +push_prev                                                   ; 454
matmul x=0 y=0 out=0 t=2 rows=16 cols=16 accumulate=0                                                ; 455
load dram=0x3f20 dst=sp:24 rows=16 cols=16 stride=64 transpose=0 +push_next                          ; 456
preload src=24 rows=16 cols=16 +pop_prev                                                             ; 457
matmul x=0 y=0 out=2 t=2 rows=16 cols=16 accumulate=0 +push_prev                                     ; 458
load dram=0x4300 dst=sp:8 rows=16 cols=16 stride=64 transpose=0 +pop_next +push_next                 ; 459
preload src=8 rows=16 cols=16 +pop_prev                                                              ; 460
matmul x=2 y=0 out=0 t=2 rows=16 cols=16 accumulate=1 +push_prev                                     ; 461
load dram=0x4320 dst=sp:24 rows=16 cols=16 stride=64 transpose=0 +pop_next +push_next                ; 462
preload src=24 rows=16 cols=16 +pop_prev                                                             ; 463
matmul x=2 y=0 out=2 t=2 rows=16 cols=16 accumulate=1 +push_prev                                     ; 464
load dram=0x4700 dst=sp:8 rows=16 cols=16 stride=64 transpose=0 +pop_next +push_next                 ; 465
preload src=8 rows=16 cols=16 +pop_prev                                                              ; 466
matmul x=4 y=0 out=0 t=2 rows=16 cols=16 accumulate=1 +push_prev                                     ; 467
load dram=0x4720 dst=sp:24 rows=16 cols=16 stride=64 transpose=0 +pop_next +push_next                ; 468
preload src=24 rows=16 cols=16 +pop_prev                                                             ; 469
matmul x=4 y=0 out=2 t=2 rows=16 cols=16 accumulate=1 +push_prev                                     ; 470
load dram=0x4b00 dst=sp:8 rows=16 cols=16 stride=64 transpose=0 +pop_next +push_next                 ; 471
preload src=8 rows=16 cols=16 +pop_prev                                                              ; 472
matmul x=6 y=0 out=0 t=2 rows=16 cols=16 accumulate=1 +push_next                                     ; 473
load dram=0x4b20 dst=sp:24 rows=16 cols=16 stride=64 transpose=0 +pop_next +push_next                ; 474
preload src=24 rows=16 cols=16 +pop_prev                                                             ; 475
matmul x=6 y=0 out=2 t=2 rows=16 cols=16 accumulate=1 +push_next                                     ; 476
store dram=0x3c00 src=acc:0 rows=2 cols=16 stride=128 transpose=0 +pop_prev                          ; 477
store dram=0x3c40 src=acc:2 rows=2 cols=16 stride=128 transpose=0 +pop_prev +push_prev               ; 478
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 479
load dram=0x35c0 dst=acc:0 rows=1 cols=16 stride=64 transpose=0 +pop_next                            ; 480
load dram=0x3c00 dst=acc:1 rows=2 cols=16 stride=128 transpose=0 +push_next                          ; 481
vec op=ADD dst=acc:1 src1=acc:1 src2=acc:0 rows=2 cols=16 bcast1=0 bcast2=1 imm=0.0 +pop_prev +push_prev +push_next ; 482
store dram=0x3d00 src=acc:1 rows=2 cols=16 stride=128 transpose=0 +pop_prev                          ; 483
load dram=0x3600 dst=acc:0 rows=1 cols=16 stride=64 transpose=0 +pop_next                            ; 484
load dram=0x3c40 dst=acc:3 rows=2 cols=16 stride=128 transpose=0 +push_next                          ; 485
vec op=ADD dst=acc:3 src1=acc:3 src2=acc:0 rows=2 cols=16 bcast1=0 bcast2=1 imm=0.0 +pop_prev +push_next ; 486
store dram=0x3d40 src=acc:3 rows=2 cols=16 stride=128 transpose=0 +pop_prev +push_prev               ; 487
.tag relu9 forward
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 488
load dram=0x3d00 dst=acc:0 rows=4 cols=16 stride=64 transpose=0 +pop_next +push_next                 ; 489
vec op=RELU dst=acc:0 src1=acc:0 src2=acc:0 rows=4 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_next ; 490
store dram=0x3c00 src=acc:0 rows=4 cols=16 stride=64 transpose=0 +pop_prev +push_prev                ; 491
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 492
load dram=0x3c00 dst=acc:0 rows=4 cols=16 stride=64 transpose=0 +pop_next +push_next                 ; 493
vec op=COPY dst=sp:0 src1=acc:0 src2=acc:0 rows=4 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_prev +push_prev +push_next ; 494
store dram=0x3d00 src=sp:0 rows=4 cols=16 stride=32 transpose=0 +pop_prev +push_prev                 ; 495
.tag dense10.w forward
load dram=0x3640 dst=acc:0 rows=20 cols=16 stride=64 transpose=0 +pop_next +push_next                ; 496
vec op=COPY dst=sp:0 src1=acc:0 src2=acc:0 rows=20 cols=16 bcast1=0 bcast2=0 imm=0.0 +pop_prev +pop_next +push_next ; 497
store dram=0x3d80 src=sp:0 rows=20 cols=16 stride=32 transpose=0 +pop_prev +push_prev                ; 498
.tag dense10 forward
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 499
load dram=0x3d00 dst=sp:0 rows=2 cols=16 stride=64 transpose=0 +pop_next                             ; 500
load dram=0x3d20 dst=sp:2 rows=2 cols=16 stride=64 transpose=0                                       ; 501
load dram=0x3d80 dst=sp:4 rows=16 cols=10 stride=20 transpose=0 +push_next                           ; 502
preload src=4 rows=16 cols=10 +pop_prev                                                              ; 503
matmul x=0 y=0 out=0 t=2 rows=16 cols=10 accumulate=0                                                ; 504
load dram=0x3ec0 dst=sp:20 rows=16 cols=10 stride=20 transpose=0 +push_next                          ; 505
preload src=20 rows=16 cols=10 +pop_prev                                                             ; 506
matmul x=2 y=0 out=0 t=2 rows=16 cols=10 accumulate=1 +push_next                                     ; 507
store dram=0x3c00 src=acc:0 rows=2 cols=10 stride=40 transpose=0 +pop_prev +push_prev                ; 508
vec op=SET dst=acc:1023 src1=acc:1023 src2=acc:1023 rows=1 cols=1 bcast1=0 bcast2=0 imm=0.0 +pop_next +push_prev ; 509
load dram=0x3b40 dst=acc:0 rows=1 cols=10 stride=40 transpose=0 +pop_next                            ; 510
load dram=0x3c00 dst=acc:1 rows=2 cols=10 stride=40 transpose=0 +push_next                           ; 511
vec op=ADD dst=acc:1 src1=acc:1 src2=acc:0 rows=2 cols=10 bcast1=0 bcast2=1 imm=0.0 +pop_prev +push_next ; 512
store dram=0x3b80 src=acc:1 rows=2 cols=10 stride=40 transpose=0 +pop_prev                           ; 513
halt                                                                                                 ; 514
