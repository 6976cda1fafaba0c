# gnuplot script written by papers/adjoint-memory; run: gnuplot adjoint_memory.gp
set terminal pngcairo size 1000,520 noenhanced
set output 'adjoint_memory.png'
set multiplot layout 1,2
set grid
set key top left
set xlabel 'input reads per operation'
set ylabel 'time / time with the adjoint array'
set title 'Cost of keeping the adjoints small'
set xrange [-0.02:0.45]
plot 'adjoint_memory.dat' using 1:2:3:4 with yerrorbars pt 7 title 'window (quartiles)', \
     '' using 1:5 with points pt 5 title 'compiled, new point', \
     1 with lines lt 0 notitle
set logscale y
set yrange [1e-7:100]
set key bottom right
set format y '%g'
set ylabel 'adjoint bytes per operation'
set title 'Adjoint memory'
plot 'adjoint_memory.dat' using 1:6 with points pt 7 title 'array', \
     '' using 1:7 with points pt 9 title 'window', \
     '' using 1:8 with points pt 5 title 'compiled'
unset multiplot
