# gnuplot script written by papers/taping; run: gnuplot taping.gp
set terminal pngcairo size 1000,520 noenhanced
set output 'taping.png'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set grid ytics
set yrange [0:*]
set ylabel 'ns per op of the tape'
set title 'Value tape versus linearised (Jacobian) tape'
set xtics ('rosenbrock' 0, 'lorenz-rk4' 1, 'trans-chain' 2)
set key top left
plot 'taping.dat' using 2 title 'gradient, value tape', \
     '' using 3 title 'gradient, linearised tape', \
     '' using 4 title 'linearising', \
     '' using 5 title 'gradient at a new point (value tape)', \
     '' using 6 title 'recording'
