# gnuplot script written by papers/sparse-coloring; run: gnuplot sparse-coloring.gp
set terminal pngcairo size 1200,520 noenhanced
set output 'sparse-coloring.png'
set multiplot layout 1,2
set grid
set logscale xy
set xlabel 'n'
set key top left
set ylabel 'seconds'
set format y '%.0e'
set title 'Time of f and of its Jacobian'
plot 'sparse-coloring.dat' index 0 using 2:4 with linespoints title '1-D: f', \
     '' index 0 using 2:5 with linespoints title '1-D: sparse (3 colors)', \
     '' index 0 using 2:6 with linespoints title '1-D: dense', \
     '' index 1 using 2:4 with linespoints title '2-D: f', \
     '' index 1 using 2:5 with linespoints title '2-D: sparse (5 colors)', \
     '' index 1 using 2:6 with linespoints title '2-D: dense'
unset logscale y
set format y '%g'
set yrange [0:*]
set ylabel 'time of the Jacobian / time of f'
set title 'Sparse Jacobian / f'
plot 'sparse-coloring.dat' index 0 using 2:7 with linespoints title '1-D (3 colors)', \
     '' index 1 using 2:7 with linespoints title '2-D (5 colors)'
unset multiplot
